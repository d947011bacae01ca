package io.agp.clickhouse;

import java.time.Instant;

/**
 * An ended query as {@code system.query_log} records it.
 *
 * @param peakMemoryBytes the most memory the query used ({@code memory_usage} of the log)
 * @param durationMillis the query's run time on the server ({@code query_duration_ms})
 * @param startedAt when the query started by the server's clock, to the second
 */
public record LoggedQuery(
    long readRows, long readBytes, long peakMemoryBytes, long durationMillis, Instant startedAt) {}
