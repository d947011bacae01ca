package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseException;
import io.agp.execution.Execution;
import io.agp.tier.UnsupportedQueryException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What to do when an attempt ends without a result: the one place that decides. Whatever ended it
 * (an error of the query, a broken stream, a failing store, a cancel, the run time running out)
 * becomes a {@link Verdict}, which {@link AttemptRun} carries out.
 *
 * <ul>
 *   <li>An attempt that no longer owns its execution (canceled, requeued, claimed again) writes
 *       nothing: {@link Verdict.Lost}.
 *   <li>One the worker stopped for its run time fails with that reason; its query was killed when
 *       it was stopped.
 *   <li>A transient failure before any byte of the result was read (connection refused or cut, a
 *       timeout, a 502/503/504, too many queries) is retried after a backoff that doubles with each
 *       attempt, until the execution's attempts are used up.
 *   <li>Anything else fails the execution with the reason; a query that may still run on ClickHouse
 *       is killed.
 * </ul>
 */
final class FailurePolicy {

  private static final Logger log = LoggerFactory.getLogger(FailurePolicy.class);

  /** Doubling the backoff stops here, so that a long outage still retries now and then. */
  private static final int MAX_BACKOFF_DOUBLINGS = 6;

  private final Duration retryBackoff;

  FailurePolicy(Duration retryBackoff) {
    this.retryBackoff = retryBackoff;
  }

  /** What to do about the attempt's query, which may still run on ClickHouse. */
  enum Kill {
    /** Nothing runs: it was never sent, or it was killed already. */
    NONE,
    /** Kill it before the execution is written. */
    NOW,
    /** Its node stopped answering, and would keep a kill waiting too: kill it on the side. */
    IN_BACKGROUND
  }

  /** What an attempt that ended without a result comes to. */
  sealed interface Verdict {

    /** Back to the queue, claimable again after {@code delay}. */
    record Retry(Duration delay, String reason, Kill kill) implements Verdict {}

    /** The execution ends FAILED with {@code reason}. */
    record Fail(String reason, Kill kill) implements Verdict {}

    /** The attempt no longer owns its execution: nothing is written; it counts {@code as}. */
    record Lost(AttemptOutcome as) implements Verdict {}
  }

  /**
   * @param failure what ended the attempt
   * @param nothingRead whether not a byte of the result had been read
   */
  Verdict verdict(Throwable failure, RunningExecution run, boolean nothingRead) {
    if (run.isLost()) {
      return new Verdict.Lost(run.lostOutcome());
    }
    if (run.overrun() != null) {
      // Whatever broke after the stop (the stream, the query) is its effect, not its cause.
      return new Verdict.Fail(run.overrun(), Kill.NONE);
    }
    return switch (failure) {
      case UnsupportedQueryException e -> new Verdict.Fail(e.getMessage(), Kill.NONE);
      case ClickHouseException e when e.isTransient() && nothingRead ->
          retryOrFail(run, e.getMessage(), silent(e) ? Kill.IN_BACKGROUND : Kill.NONE);
      case ClickHouseException e ->
          new Verdict.Fail(e.getMessage(), nothingRead ? Kill.NONE : killFor(e));
      case ResultStreamer.StreamBroken e when nothingRead ->
          retryOrFail(run, e.getMessage(), silent(e) ? Kill.IN_BACKGROUND : Kill.NONE);
      case ResultStreamer.StreamBroken e -> new Verdict.Fail(e.getMessage(), killFor(e));
      case ResultStreamer.StoreFailure e ->
          new Verdict.Fail("storing the result failed: " + describe(e.getCause()), Kill.NOW);
      case ResultTooLargeException e -> new Verdict.Fail(e.getMessage(), Kill.NOW);
      default -> {
        log.warn("attempt {} failed", run.attemptId().attempt(), failure);
        yield new Verdict.Fail("execution failed: " + describe(failure), Kill.NOW);
      }
    };
  }

  /** The delay before attempt {@code attempt + 1}: the configured backoff, doubled each time. */
  Duration backoff(int attempt) {
    int doublings = Math.clamp(attempt - 1, 0, MAX_BACKOFF_DOUBLINGS);
    return retryBackoff.multipliedBy(1L << doublings);
  }

  private Verdict retryOrFail(RunningExecution run, String reason, Kill kill) {
    Execution execution = run.claimed().execution();
    if (execution.attempt() >= execution.maxAttempts()) {
      return new Verdict.Fail(reason, kill);
    }
    return new Verdict.Retry(backoff(execution.attempt()), reason, kill);
  }

  /** A failure of a node that stopped answering: the query may run on there. */
  private static boolean silent(Throwable failure) {
    return ClickHouseClient.isReadTimeout(failure);
  }

  private static Kill killFor(Throwable failure) {
    return silent(failure) ? Kill.IN_BACKGROUND : Kill.NOW;
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
