package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.AttemptId;
import io.agp.execution.ClaimedExecution;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt running on this worker: where its query went, whether it still owns its execution,
 * what its progress samples found. When the attempt is lost (canceled, requeued by the bookkeeper),
 * {@link #abandon} closes its stream and kills the ClickHouse query, which makes its {@link
 * AttemptRun} abort the upload and write nothing more.
 */
final class RunningExecution {

  private static final Logger log = LoggerFactory.getLogger(RunningExecution.class);

  /** Between two kills of a query that may still be on its way to ClickHouse. */
  private static final Duration KILL_RETRY = Duration.ofMillis(200);

  private final ClaimedExecution claimed;
  // The endpoint the query was sent to: progress and kill must go to the node that runs it.
  private volatile ClickHouseClient node;
  // From useNode until the query's answer head arrives (or the send fails).
  private volatile boolean sending;
  private volatile boolean lost;
  // Why the worker stopped the attempt itself (it ran past the tier's max-run-time), or null.
  private volatile String overrun;
  private volatile AttemptOutcome lostAs = AttemptOutcome.LOST;
  private volatile ClickHouseResponse response;
  private final ProgressReadings readings = new ProgressReadings();

  RunningExecution(ClaimedExecution claimed) {
    this.claimed = claimed;
  }

  /**
   * Records the endpoint the query is about to be sent to.
   *
   * @return false when the attempt was abandoned or stopped already: the query must not be sent
   */
  boolean useNode(ClickHouseClient node) {
    synchronized (this) {
      if (lost || overrun != null) {
        return false;
      }
      this.node = node;
      sending = true;
      return true;
    }
  }

  /** The query's send ended: the head of its answer arrived, or the send failed. */
  void sendEnded() {
    sending = false;
  }

  /** The endpoint the query was sent to, if any yet. */
  Optional<ClickHouseClient> node() {
    return Optional.ofNullable(node);
  }

  ClaimedExecution claimed() {
    return claimed;
  }

  AttemptId attemptId() {
    return claimed.attemptId();
  }

  /** What the progress samples found. */
  ProgressReadings readings() {
    return readings;
  }

  /**
   * Throws when the attempt was abandoned or stopped: the steps that follow would write for an
   * attempt that is over.
   */
  void requireOwned() {
    if (lost || overrun != null) {
      throw new AttemptStopped();
    }
  }

  boolean isLost() {
    return lost;
  }

  /** Why the attempt was abandoned: canceled, requeued at shutdown, or lost. */
  AttemptOutcome lostOutcome() {
    return lostAs;
  }

  /** Remembers the stream of the running query, so that an abandon can close it. */
  void attach(ClickHouseResponse response) {
    this.response = response;
    if (lost || overrun != null) {
      // Abandoned while the query was on its way: its kill may have come too early.
      closeStream(response);
      killQuery();
    }
  }

  /**
   * Stops the attempt: it no longer owns its execution. Safe to call more than once and from any
   * thread; it does not wait for the kill.
   *
   * @param outcome what the attempt counts as: {@link AttemptOutcome#CANCELED}, {@link
   *     AttemptOutcome#REQUEUED} or {@link AttemptOutcome#LOST}
   */
  void abandon(AttemptOutcome outcome, String reason) {
    synchronized (this) {
      if (lost) {
        return;
      }
      lostAs = outcome;
      lost = true;
    }
    log.info(
        "execution {} attempt {} abandoned: {}",
        attemptId().executionId(),
        attemptId().attempt(),
        reason);
    halt();
  }

  /**
   * Stops an attempt that ran past the tier's max-run-time, so that its run fails the execution
   * with {@code reason}. The attempt still owns its row. Safe to call from any thread; it does not
   * wait for the kill.
   */
  void stopOverrun(String reason) {
    synchronized (this) {
      if (lost || overrun != null) {
        return;
      }
      overrun = reason;
    }
    log.info(
        "execution {} attempt {} stopped: {}",
        attemptId().executionId(),
        attemptId().attempt(),
        reason);
    halt();
  }

  /** Closes the answer's stream and kills the query, on a thread of its own. */
  private void halt() {
    ClickHouseResponse current = response;
    if (current != null) {
      closeStream(current);
    }
    Thread.ofVirtual()
        .name("kill-" + attemptId().clickHouseQueryId())
        .start(this::killWhileSending);
  }

  /** Why the worker stopped the attempt itself, or null when it did not. */
  String overrun() {
    return overrun;
  }

  /** Kills the query on a thread of its own: for a node that may not answer the kill either. */
  void killQueryInBackground() {
    Thread.ofVirtual().name("kill-" + attemptId().clickHouseQueryId()).start(this::killQuery);
  }

  /**
   * Kills the query. While it may still be on its way, a kill that reaches ClickHouse before it
   * finds nothing (and closing the connection does not stop a query that writes nothing until its
   * end): kill again until one lands or the send ends ({@link #attach} then kills it).
   */
  private void killWhileSending() {
    if (!sending) {
      killQuery();
      return;
    }
    while (sending && !killQuery()) {
      try {
        Thread.sleep(KILL_RETRY);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Kills the attempt's ClickHouse query on its node, if it still runs there.
   *
   * @return whether a query was killed
   */
  boolean killQuery() {
    ClickHouseClient current = node;
    if (current == null) {
      // Nothing was sent yet, and nothing will be: useNode refuses once the attempt is lost.
      return false;
    }
    try {
      return current.system().kill(attemptId().clickHouseQueryId());
    } catch (RuntimeException e) {
      log.warn(
          "could not kill ClickHouse query {}: {}", attemptId().clickHouseQueryId(), e.toString());
      return false;
    }
  }

  private static void closeStream(ClickHouseResponse response) {
    try {
      response.close();
    } catch (RuntimeException e) {
      log.warn("closing an abandoned ClickHouse stream failed: {}", e.toString());
    }
  }
}
