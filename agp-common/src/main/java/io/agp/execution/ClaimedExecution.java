package io.agp.execution;

import java.util.Map;

/** An execution a worker has just claimed, with the parameters it must pass to ClickHouse. */
public record ClaimedExecution(Execution execution, Map<String, String> parameters) {

  public ClaimedExecution {
    parameters = Map.copyOf(parameters);
  }

  public Lease lease() {
    return execution.lease();
  }

  @Override
  public String toString() {
    // Parameters may hold secrets: never print them.
    return "ClaimedExecution[" + execution.id() + "/" + execution.attempt() + "]";
  }
}
