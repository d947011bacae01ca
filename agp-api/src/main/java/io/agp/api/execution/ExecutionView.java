package io.agp.api.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.agp.api.auth.Caller;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.Progress;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An execution as the API shows it. Parameters are never shown. A caller who joined another user's
 * execution (collapse, reuse) sees it without its creator's name and labels, which are the
 * creator's; admins also see who joined it ({@code readers}, on a get). In lists the SQL is cut to
 * its first {@link #LISTED_SQL_BYTES} bytes ({@code sql_truncated}). A get and an event also tell a
 * PENDING execution's place in its queue and a RUNNING one's estimate ({@link ExecutionOutlook});
 * lists leave them out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ExecutionView(
    long id,
    String queryId,
    String queryHash,
    String sql,
    Boolean sqlTruncated,
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
    Long queuePosition,
    ProgressView progress,
    EstimateView estimate,
    ResultView result,
    QueryStatsView queryStats,
    String error,
    Boolean collapsed,
    Boolean reused,
    Long resultAgeMs,
    Long replacedExecutionId,
    List<String> readers) {

  /** How much of its SQL a listed execution shows. */
  static final int LISTED_SQL_BYTES = 4096;

  /** An execution as a get or cancel shows it to the caller, with its SQL whole. */
  static ExecutionView of(Execution e, Caller caller) {
    return of(e, caller, null, false);
  }

  /** An execution as a get shows it to an admin: with the users who joined it. */
  static ExecutionView withReaders(Execution e, Caller caller, List<String> readers) {
    ExecutionView view = of(e, caller);
    return new ExecutionView(
        view.id,
        view.queryId,
        view.queryHash,
        view.sql,
        view.sqlTruncated,
        view.tier,
        view.format,
        view.status,
        view.createdAt,
        view.createdBy,
        view.updatedAt,
        view.pickedAt,
        view.completedAt,
        view.attempt,
        view.maxAttempts,
        view.collapsedCount,
        view.labels,
        view.queuePosition,
        view.progress,
        view.estimate,
        view.result,
        view.queryStats,
        view.error,
        view.collapsed,
        view.reused,
        view.resultAgeMs,
        view.replacedExecutionId,
        List.copyOf(readers));
  }

  /** An execution as a list or search shows it: its SQL cut to the first 4 KiB. */
  static ExecutionView listed(Execution e, Caller caller) {
    return of(e, caller, null, true);
  }

  /** An execution as a create returns it: whether it collapsed, was reused or replaced another. */
  static ExecutionView of(ExecutionCreator.Outcome outcome, Instant now, Caller caller) {
    ExecutionView view =
        of(
            outcome.execution(),
            caller,
            outcome instanceof ExecutionCreator.Outcome.Collapsed,
            false);
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
        sqlTruncated,
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
        queuePosition,
        progress,
        estimate,
        result,
        queryStats,
        error,
        collapsed,
        reused,
        resultAgeMs,
        replacedExecutionId,
        readers);
  }

  /** The view with what a waiting caller wants to know besides the row. */
  ExecutionView with(ExecutionOutlook.Outlook outlook) {
    return new ExecutionView(
        id,
        queryId,
        queryHash,
        sql,
        sqlTruncated,
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
        outlook.queuePosition(),
        progress,
        outlook.estimate() == null ? null : EstimateView.of(outlook.estimate()),
        result,
        queryStats,
        error,
        collapsed,
        reused,
        resultAgeMs,
        replacedExecutionId,
        readers);
  }

  private static ExecutionView of(Execution e, Caller caller, Boolean collapsed, boolean listed) {
    // The creator's name and labels are theirs: a user who joined the execution does not see them.
    boolean own = caller.owner() == null || caller.owner().equals(e.createdBy());
    String sql = e.sql();
    Boolean truncated = null;
    if (listed) {
      byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
      truncated = bytes.length > LISTED_SQL_BYTES;
      if (truncated) {
        sql = prefix(bytes, LISTED_SQL_BYTES);
      }
    }
    return new ExecutionView(
        e.id(),
        e.queryId(),
        e.queryHash(),
        sql,
        truncated,
        e.tier(),
        e.format(),
        e.status(),
        e.createdAt(),
        own ? e.createdBy() : null,
        e.updatedAt(),
        e.pickedAt(),
        e.completedAt(),
        e.attempt(),
        e.maxAttempts(),
        e.collapsedCount(),
        own ? e.labels() : Map.of(),
        null,
        e.progress() == null ? null : ProgressView.of(e.progress()),
        null,
        e.result() == null ? null : ResultView.of(e.result(), e.format()),
        e.queryStats() == null ? null : QueryStatsView.of(e.queryStats()),
        e.error(),
        collapsed,
        null,
        null,
        null,
        null);
  }

  /** The longest prefix of UTF-8 text that fits in {@code limit} bytes, cut between characters. */
  static String prefix(byte[] utf8, int limit) {
    int end = limit;
    // A continuation byte (10xxxxxx) belongs to the character before it.
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
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

  /** How long a running execution may still take, from the earlier runs of its query. */
  record EstimateView(long remainingMs, long typicalDurationMs, int runs) {

    static EstimateView of(ExecutionOutlook.Estimate estimate) {
      return new EstimateView(
          estimate.remainingMs(), estimate.typicalDurationMs(), estimate.runs());
    }
  }

  /** ClickHouse's own figures of an ended query, and where they come from. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record QueryStatsView(
      long readRows, long readBytes, Long peakMemoryBytes, Long elapsedMs, String source) {

    static QueryStatsView of(QueryStats stats) {
      return new QueryStatsView(
          stats.readRows(),
          stats.readBytes(),
          stats.peakMemoryBytes(),
          stats.elapsedMillis(),
          stats.source().label());
    }
  }
}
