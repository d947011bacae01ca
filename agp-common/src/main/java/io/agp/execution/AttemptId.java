package io.agp.execution;

/**
 * Which attempt of which execution: what a worker owns after a claim, for as long as it renews its
 * lease (a duration: see the tier's {@code lease}). A write fenced by it changes nothing once the
 * execution was canceled, requeued or claimed again.
 */
public record AttemptId(long executionId, int attempt) {

  /** The ClickHouse query_id of this attempt, so that a stale attempt can be found and killed. */
  public String clickHouseQueryId() {
    return "agp-" + executionId + "-" + attempt;
  }
}
