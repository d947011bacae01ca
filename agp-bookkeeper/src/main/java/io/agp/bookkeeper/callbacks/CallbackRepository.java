package io.agp.bookkeeper.callbacks;

import io.agp.execution.Callback;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The outbox of completion callbacks: executions whose callback is due, claimed by the bookkeepers
 * one attempt at a time. One SQL file per method, under {@code sql/callback/}. The callback is
 * queued by the database itself when its execution ends (a trigger, see the V9 migration).
 *
 * <p>Each attempt is claimed in one statement, which counts it and sets when it is taken for lost;
 * its outcome is then recorded fenced by the attempt's number, so that an attempt taken for lost
 * and claimed again by another bookkeeper is recorded once, by the later one.
 */
public class CallbackRepository {

  private static final String CLAIM_DUE = SqlFile.load("callback/claim_due");
  private static final String MARK_DELIVERED = SqlFile.load("callback/mark_delivered");
  private static final String RETRY_OR_GIVE_UP = SqlFile.load("callback/retry_or_give_up");

  private final JdbcClient jdbc;

  public CallbackRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Claims up to {@code limit} due callbacks for one attempt each: their executions, whose callback
   * counts the attempt claimed. A callback whose outcome is not recorded within {@code lease} is
   * due again.
   */
  public List<Execution> claimDue(int limit, Duration lease) {
    return jdbc.sql(CLAIM_DUE)
        .param("limit", limit)
        .param("leaseMillis", lease.toMillis())
        .query((rs, row) -> ExecutionRepository.mapExecution(rs))
        .list();
  }

  /**
   * Records that a 2xx answered the attempt claimed with {@code claimed}; false when that attempt
   * was no longer this sender's.
   */
  public boolean markDelivered(Execution claimed, int status) {
    return jdbc.sql(MARK_DELIVERED)
            .param("id", claimed.id())
            .param("attempt", claimed.callback().attempts())
            .param("status", status)
            .update()
        == 1;
  }

  /**
   * Records an attempt no 2xx answered: due again after {@code delay}, or given up when that is
   * more than {@code maxAge} after the execution ended. Returns the callback's new state ({@link
   * Callback.State#PENDING} or {@link Callback.State#FAILED}), empty when the attempt was no longer
   * this sender's.
   *
   * @param status the HTTP status of the answer, or null when there was none
   */
  public Optional<Callback.State> retryOrGiveUp(
      Execution claimed, Integer status, String error, Duration delay, Duration maxAge) {
    return jdbc.sql(RETRY_OR_GIVE_UP)
        .param("id", claimed.id())
        .param("attempt", claimed.callback().attempts())
        .param("status", status)
        .param("error", error)
        .param("delayMillis", delay.toMillis())
        .param("maxAgeMillis", maxAge.toMillis())
        .query(String.class)
        .optional()
        .map(state -> Callback.State.valueOf(state.toUpperCase(Locale.ROOT)));
  }
}
