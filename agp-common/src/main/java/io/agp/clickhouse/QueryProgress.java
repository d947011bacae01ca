package io.agp.clickhouse;

import java.time.Duration;

/**
 * A running query as {@code system.processes} sees it on the node that runs it.
 *
 * @param totalRowsApprox the server's estimate of the rows it will read; 0 when it has none
 * @param memoryBytes the query's current memory use ({@code memory_usage})
 * @param peakMemoryBytes the most memory the query has used so far ({@code peak_memory_usage})
 */
public record QueryProgress(
    long readRows,
    long readBytes,
    long totalRowsApprox,
    Duration elapsed,
    long memoryBytes,
    long peakMemoryBytes) {}
