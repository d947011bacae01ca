package io.agp.api.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.agp.execution.ExecutionStatus;
import io.agp.refresh.Schedule;
import java.time.Instant;
import java.util.Map;

/**
 * A schedule as the API answers it. Its parameters are never shown (they may hold secrets), as for
 * executions.
 *
 * @param nextRunAt when the next run is due; absent while paused
 * @param lastRun how the last run went; absent before the first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ScheduleView(
    long id,
    String name,
    String owner,
    String queryId,
    String queryHash,
    String sql,
    String tier,
    String format,
    Map<String, String> labels,
    Long everySeconds,
    String cron,
    boolean paused,
    Instant nextRunAt,
    LastRun lastRun,
    Instant createdAt,
    Instant updatedAt) {

  /**
   * @param executionId the execution the run created, or the one in flight it left running; absent
   *     when the run was refused
   * @param status that execution's status now; absent once it is deleted
   * @param outcome {@code created}, {@code in_flight} or {@code refused}
   * @param error why the run was refused
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record LastRun(
      Instant at, String outcome, Long executionId, ExecutionStatus status, String error) {}

  static ScheduleView of(Schedule s) {
    LastRun last =
        s.lastRunAt() == null
            ? null
            : new LastRun(
                s.lastRunAt(), s.lastOutcome(), s.lastExecutionId(), s.lastStatus(), s.lastError());
    return new ScheduleView(
        s.id(),
        s.name(),
        s.owner(),
        s.queryId(),
        s.queryHash(),
        s.sql(),
        s.tier(),
        s.format(),
        s.labels(),
        s.everySeconds(),
        s.cron(),
        s.paused(),
        s.paused() ? null : s.nextRunAt(),
        last,
        s.createdAt(),
        s.updatedAt());
  }
}
