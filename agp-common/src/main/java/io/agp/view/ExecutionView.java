package io.agp.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.agp.execution.Callback;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.Progress;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * An execution as users see it: in the API's answers and in the body of its completion callback,
 * one shape (the {@code Execution} schema of {@code openapi/api.yaml}), written by {@link
 * ExecutionJson}. Parameters are never shown. A {@link Viewer#READER} sees it without what is the
 * creator's: their name, the execution's name, labels and callback. In lists the SQL is cut to its
 * first {@link #LISTED_SQL_BYTES} bytes ({@code sql_truncated}).
 *
 * @param name a name its creator gave it, or null (not shown to a reader, as its labels)
 * @param queryStats ClickHouse's own figures of the query, once it ended
 * @param extras what a request adds to the row (shown at the same level in JSON)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExecutionView(
    long id,
    String queryId,
    String queryHash,
    String name,
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
    ProgressView progress,
    ResultView result,
    QueryStatsView queryStats,
    String error,
    CallbackView callback,
    @JsonUnwrapped Extras extras) {

  /** How much of its SQL a listed execution shows. */
  public static final int LISTED_SQL_BYTES = 4096;

  /** Who looks at an execution. */
  public enum Viewer {
    /** Its creator, or an admin: everything but the parameters. */
    CREATOR,
    /** A user who joined it (collapse, reuse): not its creator's name, labels and callback. */
    READER
  }

  /** An execution as a get shows it, with its SQL whole; also the body of its callback. */
  public static ExecutionView of(Execution e, Viewer viewer) {
    return of(e, viewer, false);
  }

  /** An execution as a list or search shows it: its SQL cut to the first 4 KiB. */
  public static ExecutionView listed(Execution e, Viewer viewer) {
    return of(e, viewer, true);
  }

  /** The same, with the users who joined it (an admin's get). */
  public ExecutionView withReaders(List<String> joined) {
    return with(
        new Extras(
            extras.queuePosition,
            extras.estimate,
            extras.collapsed,
            extras.reused,
            extras.resultAgeMs,
            extras.replacedExecutionId,
            List.copyOf(joined)));
  }

  /** The same, with what a waiting caller wants to know besides the row (a get, an event). */
  public ExecutionView withOutlook(Long position, EstimateView estimateOfRun) {
    return with(
        new Extras(
            position,
            estimateOfRun,
            extras.collapsed,
            extras.reused,
            extras.resultAgeMs,
            extras.replacedExecutionId,
            extras.readers));
  }

  /**
   * The same, as a create answers it: whether it collapsed onto the execution or reused it (and how
   * old that result was), or which in-flight execution it replaced.
   */
  public ExecutionView asCreated(
      boolean collapsed, boolean reused, Long resultAgeMs, Long replacedExecutionId) {
    return with(
        new Extras(
            extras.queuePosition,
            extras.estimate,
            collapsed,
            reused,
            resultAgeMs,
            replacedExecutionId,
            extras.readers));
  }

  /** The row's fields as they are, with these extras. */
  private ExecutionView with(Extras added) {
    return new ExecutionView(
        id,
        queryId,
        queryHash,
        name,
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
        progress,
        result,
        queryStats,
        error,
        callback,
        added);
  }

  private static ExecutionView of(Execution e, Viewer viewer, boolean listed) {
    boolean creator = viewer == Viewer.CREATOR;
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
        creator ? e.name() : null,
        sql,
        truncated,
        e.tier(),
        e.format(),
        e.status(),
        e.createdAt(),
        creator ? e.createdBy() : null,
        e.updatedAt(),
        e.pickedAt(),
        e.completedAt(),
        e.attempt(),
        e.maxAttempts(),
        e.collapsedCount(),
        creator ? e.labels() : Map.of(),
        e.progress() == null ? null : ProgressView.of(e.progress()),
        e.result() == null ? null : ResultView.of(e.result(), e.format()),
        e.queryStats() == null ? null : QueryStatsView.of(e.queryStats()),
        e.error(),
        creator && e.callback() != null ? CallbackView.of(e.callback()) : null,
        Extras.NONE);
  }

  /** The longest prefix of UTF-8 text that fits in {@code limit} bytes, cut between characters. */
  public static String prefix(byte[] utf8, int limit) {
    int end = limit;
    // A continuation byte (10xxxxxx) belongs to the character before it.
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
  }

  /**
   * What a request adds to an execution's row; none of it is stored with the execution.
   *
   * @param queuePosition on a get or event of a PENDING execution, its place in its tier's queue
   * @param estimate on a get or event of a RUNNING execution, how long it may still take
   * @param collapsed on a create, whether it collapsed onto an execution in flight
   * @param reused on a create, whether it took an earlier result
   * @param resultAgeMs on a create that reused a result, how old the result was
   * @param replacedExecutionId on a create that replaced an execution in flight, that one's id
   * @param readers on an admin's get, the users who joined the execution
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Extras(
      Long queuePosition,
      EstimateView estimate,
      Boolean collapsed,
      Boolean reused,
      Long resultAgeMs,
      Long replacedExecutionId,
      List<String> readers) {

    /** A row as it is. */
    static final Extras NONE = new Extras(null, null, null, null, null, null, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ProgressView(
      long rows,
      long bytes,
      long totalRows,
      long elapsedMs,
      long memoryBytes,
      long peakMemoryBytes,
      Double percent) {

    public static ProgressView of(Progress p) {
      Double percent = p.totalRows() > 0 ? Math.min(100.0, 100.0 * p.rows() / p.totalRows()) : null;
      return new ProgressView(
          p.rows(),
          p.bytes(),
          p.totalRows(),
          p.elapsedMillis(),
          p.memoryBytes(),
          p.peakMemoryBytes(),
          percent);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ResultView(
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
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record EstimateView(long remainingMs, long typicalDurationMs, int runs) {}

  /** ClickHouse's own figures of an ended query, and where they come from. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record QueryStatsView(
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

  /**
   * @param state {@code waiting}, {@code pending}, {@code delivered} or {@code failed}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record CallbackView(
      String url,
      String state,
      int attempts,
      Integer lastStatus,
      String lastError,
      Instant nextAttemptAt,
      Instant deliveredAt) {

    static CallbackView of(Callback c) {
      return new CallbackView(
          c.url(),
          c.state().name().toLowerCase(Locale.ROOT),
          c.attempts(),
          c.lastStatus(),
          c.lastError(),
          c.nextAttemptAt(),
          c.deliveredAt());
    }
  }
}
