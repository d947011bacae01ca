package io.agp.execution;

/**
 * How long a query usually runs: the median duration of its latest successful executions.
 *
 * @param runs how many executions the median was taken over
 */
public record TypicalDuration(long medianMillis, int runs) {}
