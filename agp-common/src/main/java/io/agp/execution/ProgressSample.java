package io.agp.execution;

/** One reading of a running attempt's progress, recorded only while the attempt owns its row. */
public record ProgressSample(AttemptId attemptId, Progress progress) {}
