package io.agp.execution;

import java.time.Instant;
import java.util.Map;

/**
 * One row of the executions table, as every app sees it. The parameters given with the query are
 * left out on purpose: only a worker that claimed the execution gets them ({@link
 * ClaimedExecution}).
 *
 * @param name a name its creator gave it, or null
 * @param progress null until a worker has reported progress
 * @param result null until the execution succeeded
 * @param callback null when its create named no callback URL
 * @param queryStats ClickHouse's figures of the query, once it ended (SUCCEEDED or FAILED); null
 *     when its attempt sent no query or nothing is known of it
 * @param watched whether a request waits for its changes, which are then announced to the API
 *     instances; no more than a hint to them, never shown to callers
 * @param awaitingQueryLog whether the bookkeeper is still to complete its query figures from
 *     system.query_log (which then changes the row after it ended)
 */
public record Execution(
    long id,
    String queryId,
    String queryHash,
    String name,
    String sql,
    String format,
    String tier,
    String createdBy,
    Map<String, String> labels,
    int priority,
    ExecutionStatus status,
    int attempt,
    int maxAttempts,
    int collapsedCount,
    Instant createdAt,
    Instant updatedAt,
    Instant pickedAt,
    Instant completedAt,
    String workerId,
    Instant leaseExpiresAt,
    Progress progress,
    ResultMetadata result,
    String error,
    Callback callback,
    QueryStats queryStats,
    boolean watched,
    boolean awaitingQueryLog) {

  /** The attempt a worker holds; every write it makes is fenced by it. */
  public AttemptId attemptId() {
    return new AttemptId(id, attempt);
  }
}
