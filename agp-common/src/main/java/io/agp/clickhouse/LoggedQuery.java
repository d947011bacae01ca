package io.agp.clickhouse;

/**
 * An ended query as {@code system.query_log} records it.
 *
 * @param peakMemoryBytes the most memory the query used ({@code memory_usage} of the log)
 * @param durationMillis the query's run time on the server ({@code query_duration_ms})
 */
public record LoggedQuery(
    long readRows, long readBytes, long peakMemoryBytes, long durationMillis) {}
