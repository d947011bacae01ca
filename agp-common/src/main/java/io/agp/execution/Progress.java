package io.agp.execution;

/** How far a running query got, as ClickHouse reports it in system.processes. */
public record Progress(
    long rows, long bytes, long totalRows, long elapsedMillis, long memoryBytes) {}
