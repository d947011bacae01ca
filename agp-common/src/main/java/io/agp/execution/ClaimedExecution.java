package io.agp.execution;

import java.util.Map;

/**
 * An execution a worker has just claimed, with what it must pass to ClickHouse besides the SQL.
 *
 * @param quotaKey the quota key of the creator's token, or null to use the creator's name
 */
public record ClaimedExecution(
    Execution execution, Map<String, String> parameters, String quotaKey) {

  public ClaimedExecution(Execution execution, Map<String, String> parameters) {
    this(execution, parameters, null);
  }

  public ClaimedExecution {
    parameters = Map.copyOf(parameters);
  }

  /** The ClickHouse quota key of the execution: its token's, else its creator's name. */
  public String effectiveQuotaKey() {
    return quotaKey != null ? quotaKey : execution.createdBy();
  }

  public AttemptId attemptId() {
    return execution.attemptId();
  }

  @Override
  public String toString() {
    // Parameters may hold secrets: never print them.
    return "ClaimedExecution[" + execution.id() + "/" + execution.attempt() + "]";
  }
}
