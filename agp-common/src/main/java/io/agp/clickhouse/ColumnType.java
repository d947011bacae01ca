package io.agp.clickhouse;

/** A result column as ClickHouse describes it, e.g. {@code number UInt64}. */
public record ColumnType(String name, String type) {}
