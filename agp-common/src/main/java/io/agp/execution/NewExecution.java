package io.agp.execution;

import java.util.Map;
import java.util.Objects;

/** What a caller asks to run. */
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
    int maxAttempts) {

  public NewExecution {
    Objects.requireNonNull(queryId, "queryId");
    Objects.requireNonNull(queryHash, "queryHash");
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(createdBy, "createdBy");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
  }

  @Override
  public String toString() {
    return "NewExecution[queryId=" + queryId + ", tier=" + tier + ", createdBy=" + createdBy + "]";
  }
}
