package io.agp.refresh;

import io.agp.execution.ExecutionStatus;
import java.time.Instant;
import java.util.Map;

/**
 * A schedules row: a query run again and again under one query_id, and how its last run went.
 *
 * @param everySeconds the interval, or null for a cron schedule
 * @param cron the cron expression, or null for an interval schedule
 * @param lastExecutionId the execution the last run created or found in flight, or null
 * @param lastStatus that execution's status now, or null when it is gone (or there is none)
 * @param lastOutcome {@code created}, {@code in_flight} or {@code refused}; null before a run
 * @param lastError why the last run was refused, or null
 */
public record Schedule(
    long id,
    String owner,
    String name,
    String queryId,
    String queryHash,
    String sql,
    String format,
    String tier,
    Map<String, String> parameters,
    Map<String, String> labels,
    String shareKey,
    String quotaKey,
    Long everySeconds,
    String cron,
    boolean paused,
    Instant nextRunAt,
    Instant lastRunAt,
    Long lastExecutionId,
    ExecutionStatus lastStatus,
    String lastOutcome,
    String lastError,
    Instant createdAt,
    Instant updatedAt) {

  public Cadence cadence() {
    return Cadence.of(everySeconds, cron);
  }

  @Override
  public String toString() {
    return "Schedule[id=" + id + ", owner=" + owner + ", tier=" + tier + "]";
  }
}
