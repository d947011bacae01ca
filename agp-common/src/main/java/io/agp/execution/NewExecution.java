package io.agp.execution;

import java.util.Map;
import java.util.Objects;

/**
 * What a caller asks to run.
 *
 * @param shareKey who may collapse onto this execution while it is in flight: the creator's name,
 *     or empty for every user of the tier
 * @param quotaKey the ClickHouse quota key of the creator's token, or null to use their name
 * @param callbackUrl where to POST the execution's JSON when it ends, or null; checked by the
 *     caller
 */
public record NewExecution(
    String queryId,
    String queryHash,
    String sql,
    String format,
    String tier,
    String createdBy,
    Map<String, String> labels,
    Map<String, String> parameters,
    int priority,
    int maxAttempts,
    String shareKey,
    String quotaKey,
    String callbackUrl) {

  /** An execution without a callback. */
  public NewExecution(
      String queryId,
      String queryHash,
      String sql,
      String format,
      String tier,
      String createdBy,
      Map<String, String> labels,
      Map<String, String> parameters,
      int priority,
      int maxAttempts,
      String shareKey,
      String quotaKey) {
    this(
        queryId,
        queryHash,
        sql,
        format,
        tier,
        createdBy,
        labels,
        parameters,
        priority,
        maxAttempts,
        shareKey,
        quotaKey,
        null);
  }

  /** An execution shared by every user of its tier, with no quota key of its own. */
  public NewExecution(
      String queryId,
      String queryHash,
      String sql,
      String format,
      String tier,
      String createdBy,
      Map<String, String> labels,
      Map<String, String> parameters,
      int priority,
      int maxAttempts) {
    this(
        queryId,
        queryHash,
        sql,
        format,
        tier,
        createdBy,
        labels,
        parameters,
        priority,
        maxAttempts,
        "",
        null,
        null);
  }

  public NewExecution {
    Objects.requireNonNull(queryId, "queryId");
    Objects.requireNonNull(queryHash, "queryHash");
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(shareKey, "shareKey");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
  }

  @Override
  public String toString() {
    return "NewExecution[queryId=" + queryId + ", tier=" + tier + ", createdBy=" + createdBy + "]";
  }
}
