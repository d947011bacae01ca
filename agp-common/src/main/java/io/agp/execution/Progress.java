package io.agp.execution;

/**
 * How far a running query got, as ClickHouse reports it in {@code system.processes}.
 *
 * @param totalRows ClickHouse's estimate of the rows it will read; 0 when it has none
 * @param memoryBytes the memory the query uses now
 * @param peakMemoryBytes the most memory the query has used so far
 */
public record Progress(
    long rows,
    long bytes,
    long totalRows,
    long elapsedMillis,
    long memoryBytes,
    long peakMemoryBytes) {}
