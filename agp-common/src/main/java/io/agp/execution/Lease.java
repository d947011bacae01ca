package io.agp.execution;

/**
 * What a worker owns after a claim: one attempt of one execution. A write fenced by a lease changes
 * nothing once the execution was cancelled, requeued or claimed again.
 */
public record Lease(long executionId, int attempt) {

  /** The ClickHouse query_id of this attempt, so that a stale attempt can be found and killed. */
  public String clickHouseQueryId() {
    return "agp-" + executionId + "-" + attempt;
  }
}
