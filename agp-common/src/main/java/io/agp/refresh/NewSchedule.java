package io.agp.refresh;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a schedule runs, checked by the API: each run creates an execution of these parts, as a
 * create of the owner's would.
 *
 * @param queryHash the query hash an API create of the same request gets, so that its runs and the
 *     dashboards' creates collapse and reuse each other's executions
 * @param shareKey the share key of the owner's creates
 * @param quotaKey the ClickHouse quota key of the owner's token, or null
 * @param everySeconds the interval in seconds, or null with a cron expression
 * @param cron the cron expression, or null with an interval
 * @param nextRunAt when the first run is due
 */
public record NewSchedule(
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
    Instant nextRunAt) {

  public NewSchedule {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(queryId, "queryId");
    Objects.requireNonNull(queryHash, "queryHash");
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(shareKey, "shareKey");
    Objects.requireNonNull(nextRunAt, "nextRunAt");
    if ((everySeconds == null) == (cron == null)) {
      throw new IllegalArgumentException("a schedule has an interval or a cron expression");
    }
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  @Override
  public String toString() {
    return "NewSchedule[owner=" + owner + ", tier=" + tier + ", queryId=" + queryId + "]";
  }
}
