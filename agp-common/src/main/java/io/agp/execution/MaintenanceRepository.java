package io.agp.execution;

import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
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
  private static final String WIPE_PARAMETERS = SqlFile.load("maintenance/wipe_parameters");
  private static final String COUNT_IN_FLIGHT = SqlFile.load("maintenance/count_in_flight");

  private final JdbcClient jdbc;
  private final Notifier notifier;

  public MaintenanceRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
    this.notifier = new Notifier(jdbc);
  }

  /** An attempt whose worker stopped renewing its lease, and what became of its execution. */
  public record DeadAttempt(long executionId, String tier, int attempt, ExecutionStatus status) {

    public Lease lease() {
      return new Lease(executionId, attempt);
    }
  }

  /** A SUCCEEDED execution whose result has expired. */
  public record ExpiredResult(long executionId, String resultKey) {}

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
        .query((rs, n) -> new ExpiredResult(rs.getLong("id"), rs.getString("result_key")))
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
}
