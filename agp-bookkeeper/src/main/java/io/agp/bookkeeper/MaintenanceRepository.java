package io.agp.bookkeeper;

import io.agp.execution.AttemptId;
import io.agp.execution.Channels;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.Notifier;
import io.agp.execution.QueryStats;
import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bookkeeper's statements over the executions table, under {@code sql/maintenance/}. Each is
 * safe when several bookkeepers run it at once: they either skip each other's locked rows or
 * re-check their conditions on the row they change.
 */
public class MaintenanceRepository {

  private static final String REQUEUE_DEAD = SqlFile.load("maintenance/requeue_dead");
  private static final String FIND_EXPIRED_RESULTS =
      SqlFile.load("maintenance/find_expired_results");
  private static final String EXPIRE_RESULTS = SqlFile.load("maintenance/expire_results");
  private static final String EXPIRE_ENDED = SqlFile.load("maintenance/expire_ended");
  private static final String DELETE_EXPIRED = SqlFile.load("maintenance/delete_expired");
  private static final String FIND_LIVE_RESULT_KEYS =
      SqlFile.load("maintenance/find_live_result_keys");
  private static final String FIND_RUNNING_ATTEMPTS =
      SqlFile.load("maintenance/find_running_attempts");
  private static final String WIPE_PARAMETERS = SqlFile.load("maintenance/wipe_parameters");
  private static final String COUNT_IN_FLIGHT = SqlFile.load("maintenance/count_in_flight");
  private static final String FIND_AWAITING_QUERY_LOG =
      SqlFile.load("maintenance/find_awaiting_query_log");
  private static final String RECORD_QUERY_LOG_STATS =
      SqlFile.load("maintenance/record_query_log_stats");
  private static final String STOP_AWAITING_QUERY_LOG =
      SqlFile.load("maintenance/stop_awaiting_query_log");

  private final JdbcClient jdbc;
  private final Notifier notifier;

  public MaintenanceRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
    this.notifier = new Notifier(jdbc);
  }

  /** An attempt whose worker stopped renewing its lease, and what became of its execution. */
  public record DeadAttempt(long executionId, String tier, int attempt, ExecutionStatus status) {

    public AttemptId attemptId() {
      return new AttemptId(executionId, attempt);
    }
  }

  /**
   * An ended attempt whose query's figures are to be looked up in system.query_log.
   *
   * @param pickedAt when the attempt was claimed (null if unknown)
   * @param completedAt when it ended (null if unknown)
   */
  public record AwaitingQueryLog(
      long executionId, String tier, int attempt, Instant pickedAt, Instant completedAt) {

    public AttemptId attemptId() {
      return new AttemptId(executionId, attempt);
    }
  }

  /** A SUCCEEDED execution whose result has expired. */
  /**
   * @param inRow whether the result is kept in the row, with no object in the store
   */
  public record ExpiredResult(long executionId, String resultKey, boolean inRow) {}

  /** In-flight counts of one tier. */
  public record TierQueue(String tier, long pending, long running, double oldestPendingSeconds) {}

  /**
   * Requeues (or fails, past their attempts) RUNNING executions whose lease has passed, announcing
   * each change on {@link Channels#CHANGED}.
   */
  public List<DeadAttempt> requeueDead(int limit) {
    List<DeadAttempt> dead =
        jdbc.sql(REQUEUE_DEAD)
            .param("limit", limit)
            .query(
                (rs, n) ->
                    new DeadAttempt(
                        rs.getLong("id"),
                        rs.getString("tier"),
                        rs.getInt("attempt"),
                        ExecutionStatus.valueOf(rs.getString("status"))))
            .list();
    dead.forEach(d -> notifier.changed(d.executionId(), d.status()));
    return dead;
  }

  public List<ExpiredResult> findExpiredResults(int limit) {
    return jdbc.sql(FIND_EXPIRED_RESULTS)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new ExpiredResult(
                    rs.getLong("id"), rs.getString("result_key"), rs.getBoolean("in_row")))
        .list();
  }

  /** Marks these executions EXPIRED if they still are SUCCEEDED and past expiry. */
  public int expireResults(Collection<Long> executionIds) {
    if (executionIds.isEmpty()) {
      return 0;
    }
    return jdbc.sql(EXPIRE_RESULTS).param("ids", executionIds).update();
  }

  /** FAILED and CANCELED executions ended longer than {@code retention} ago become EXPIRED. */
  public int expireEnded(Duration retention, int limit) {
    return jdbc.sql(EXPIRE_ENDED)
        .param("retentionMillis", retention.toMillis())
        .param("limit", limit)
        .update();
  }

  /** Deletes EXPIRED rows older than {@code retention}. */
  public int deleteExpired(Duration retention, int limit) {
    return jdbc.sql(DELETE_EXPIRED)
        .param("retentionMillis", retention.toMillis())
        .param("limit", limit)
        .update();
  }

  /** Of {@code keys}, those a SUCCEEDED execution still points to. */
  public Set<String> findLiveResultKeys(Collection<String> keys) {
    if (keys.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        jdbc.sql(FIND_LIVE_RESULT_KEYS).param("keys", keys).query(String.class).list());
  }

  /** Of these attempts, the ones whose execution runs them now. */
  public Set<AttemptId> findRunningAttempts(Collection<AttemptId> attempts) {
    if (attempts.isEmpty()) {
      return Set.of();
    }
    Set<AttemptId> running =
        new HashSet<>(
            jdbc.sql(FIND_RUNNING_ATTEMPTS)
                .param("ids", attempts.stream().map(AttemptId::executionId).toArray(Long[]::new))
                .query((rs, row) -> new AttemptId(rs.getLong("id"), rs.getInt("attempt")))
                .list());
    running.retainAll(attempts);
    return running;
  }

  public int wipeParameters(int limit) {
    return jdbc.sql(WIPE_PARAMETERS).param("limit", limit).update();
  }

  public List<TierQueue> countInFlight() {
    return jdbc.sql(COUNT_IN_FLIGHT)
        .query(
            (rs, n) ->
                new TierQueue(
                    rs.getString("tier"),
                    rs.getLong("pending"),
                    rs.getLong("running"),
                    rs.getDouble("oldest_pending_seconds")))
        .list();
  }

  /** Up to {@code limit} ended executions awaiting their figures from system.query_log. */
  public List<AwaitingQueryLog> findAwaitingQueryLog(int limit) {
    return jdbc.sql(FIND_AWAITING_QUERY_LOG)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new AwaitingQueryLog(
                    rs.getLong("id"),
                    rs.getString("tier"),
                    rs.getInt("attempt"),
                    instant(rs.getObject("picked_at", OffsetDateTime.class)),
                    instant(rs.getObject("completed_at", OffsetDateTime.class))))
        .list();
  }

  /**
   * Records the figures system.query_log gave of these attempts' queries, on those still awaiting
   * them.
   *
   * @return how many executions changed
   */
  public int recordQueryLogStats(Map<AttemptId, QueryStats> stats) {
    if (stats.isEmpty()) {
      return 0;
    }
    int n = stats.size();
    Long[] ids = new Long[n];
    Integer[] attempts = new Integer[n];
    Long[] readRows = new Long[n];
    Long[] readBytes = new Long[n];
    Long[] peakMemoryBytes = new Long[n];
    Long[] elapsedMillis = new Long[n];
    int i = 0;
    for (Map.Entry<AttemptId, QueryStats> entry : stats.entrySet()) {
      ids[i] = entry.getKey().executionId();
      attempts[i] = entry.getKey().attempt();
      readRows[i] = entry.getValue().readRows();
      readBytes[i] = entry.getValue().readBytes();
      peakMemoryBytes[i] = entry.getValue().peakMemoryBytes();
      elapsedMillis[i] = entry.getValue().elapsedMillis();
      i++;
    }
    return jdbc.sql(RECORD_QUERY_LOG_STATS)
        .param("ids", ids)
        .param("attempts", attempts)
        .param("readRows", readRows)
        .param("readBytes", readBytes)
        .param("peakMemoryBytes", peakMemoryBytes)
        .param("elapsedMillis", elapsedMillis)
        .update();
  }

  /**
   * Stops looking up the figures of executions ended longer than {@code after} ago, and of {@code
   * ids} at once.
   *
   * @return how many executions were given up on
   */
  public int stopAwaitingQueryLog(Duration after, Collection<Long> ids) {
    return jdbc.sql(STOP_AWAITING_QUERY_LOG)
        .param("afterMillis", after.toMillis())
        .param("ids", ids.toArray(Long[]::new))
        .update();
  }

  private static Instant instant(OffsetDateTime value) {
    return value == null ? null : value.toInstant();
  }
}
