package io.agp.api.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.Progress;
import io.agp.execution.ResultMetadata;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** An execution as the API shows it. Parameters are never shown. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ExecutionView(
    long id,
    String queryId,
    String queryHash,
    String sql,
    String tier,
    String format,
    ExecutionStatus status,
    Instant createdAt,
    String createdBy,
    Instant updatedAt,
    Instant pickedAt,
    Instant completedAt,
    int attempt,
    int maxAttempts,
    int collapsedCount,
    Map<String, String> labels,
    ProgressView progress,
    ResultView result,
    String error,
    Boolean collapsed,
    Boolean reused,
    Long resultAgeMs,
    Long replacedExecutionId) {

  static ExecutionView of(Execution e) {
    return of(e, null);
  }

  /** An execution as a create returns it: whether it collapsed, was reused or replaced another. */
  static ExecutionView of(ExecutionCreator.Outcome outcome, Instant now) {
    ExecutionView view =
        of(outcome.execution(), outcome instanceof ExecutionCreator.Outcome.Collapsed);
    Execution e = outcome.execution();
    return switch (outcome) {
      case ExecutionCreator.Outcome.Reused reused ->
          view.with(true, Math.max(0, now.toEpochMilli() - e.completedAt().toEpochMilli()), null);
      case ExecutionCreator.Outcome.Created created ->
          view.with(false, null, created.replaced() == null ? null : created.replaced().id());
      case ExecutionCreator.Outcome.Collapsed collapsed -> view.with(false, null, null);
    };
  }

  private ExecutionView with(Boolean reused, Long resultAgeMs, Long replacedExecutionId) {
    return new ExecutionView(
        id,
        queryId,
        queryHash,
        sql,
        tier,
        format,
        status,
        createdAt,
        createdBy,
        updatedAt,
        pickedAt,
        completedAt,
        attempt,
        maxAttempts,
        collapsedCount,
        labels,
        progress,
        result,
        error,
        collapsed,
        reused,
        resultAgeMs,
        replacedExecutionId);
  }

  static ExecutionView of(Execution e, Boolean collapsed) {
    return new ExecutionView(
        e.id(),
        e.queryId(),
        e.queryHash(),
        e.sql(),
        e.tier(),
        e.format(),
        e.status(),
        e.createdAt(),
        e.createdBy(),
        e.updatedAt(),
        e.pickedAt(),
        e.completedAt(),
        e.attempt(),
        e.maxAttempts(),
        e.collapsedCount(),
        e.labels(),
        e.progress() == null ? null : ProgressView.of(e.progress()),
        e.result() == null ? null : ResultView.of(e.result(), e.format()),
        e.error(),
        collapsed,
        null,
        null,
        null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ProgressView(
      long rows, long bytes, long totalRows, long elapsedMs, long memoryBytes, Double percent) {

    static ProgressView of(Progress p) {
      Double percent = p.totalRows() > 0 ? Math.min(100.0, 100.0 * p.rows() / p.totalRows()) : null;
      return new ProgressView(
          p.rows(), p.bytes(), p.totalRows(), p.elapsedMillis(), p.memoryBytes(), percent);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ResultView(
      long rows,
      long bytes,
      List<ResultMetadata.Column> columns,
      String format,
      String compression,
      long durationMs,
      Instant expiresAt) {

    static ResultView of(ResultMetadata r, String format) {
      return new ResultView(
          r.rows(),
          r.bytes(),
          r.columns(),
          format,
          r.compression(),
          r.durationMillis(),
          r.expiresAt());
    }
  }
}
