package io.agp.execution;

import java.util.Map;
import java.util.Objects;

/**
 * What a caller asks to run. Built with {@link #builder}, which names each part and fills in what a
 * caller leaves out, so that a new part is added here and where it is used, not at every call.
 *
 * @param name a name the creator gives the execution, or null
 * @param shareKey who may collapse onto this execution while it is in flight: the creator's name,
 *     or empty for every user of the tier
 * @param quotaKey the ClickHouse quota key of the creator's token, or null to use their name
 * @param callbackUrl where to POST the execution's JSON when it ends, or null; checked by the
 *     caller
 */
public record NewExecution(
    String queryId,
    String queryHash,
    String name,
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

  /**
   * A new execution of {@code sql} under {@code queryId}. Unless set: the query id stands for its
   * hash too, format {@code CSV}, tier {@code default}, created by {@code anonymous}, no name,
   * labels, parameters, quota key or callback, priority 0, 3 attempts, shared by every user of the
   * tier.
   */
  public static Builder builder(String queryId, String sql) {
    return new Builder(queryId, sql);
  }

  @Override
  public String toString() {
    return "NewExecution[queryId=" + queryId + ", tier=" + tier + ", createdBy=" + createdBy + "]";
  }

  /** Names each part of a {@link NewExecution}; see {@link #builder} for what is filled in. */
  public static final class Builder {

    private final String queryId;
    private final String sql;
    private String queryHash;
    private String name;
    private String format = "CSV";
    private String tier = "default";
    private String createdBy = "anonymous";
    private Map<String, String> labels = Map.of();
    private Map<String, String> parameters = Map.of();
    private int priority;
    private int maxAttempts = 3;
    private String shareKey = "";
    private String quotaKey;
    private String callbackUrl;

    private Builder(String queryId, String sql) {
      this.queryId = queryId;
      this.sql = sql;
      this.queryHash = queryId;
    }

    public Builder queryHash(String queryHash) {
      this.queryHash = queryHash;
      return this;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder format(String format) {
      this.format = format;
      return this;
    }

    public Builder tier(String tier) {
      this.tier = tier;
      return this;
    }

    public Builder createdBy(String createdBy) {
      this.createdBy = createdBy;
      return this;
    }

    public Builder labels(Map<String, String> labels) {
      this.labels = labels;
      return this;
    }

    public Builder parameters(Map<String, String> parameters) {
      this.parameters = parameters;
      return this;
    }

    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Who may collapse onto it while in flight: a user's name, or empty for the whole tier. */
    public Builder shareKey(String shareKey) {
      this.shareKey = shareKey;
      return this;
    }

    public Builder quotaKey(String quotaKey) {
      this.quotaKey = quotaKey;
      return this;
    }

    public Builder callbackUrl(String callbackUrl) {
      this.callbackUrl = callbackUrl;
      return this;
    }

    public NewExecution build() {
      return new NewExecution(
          queryId,
          queryHash,
          name,
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
          callbackUrl);
    }
  }
}
