package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.ClaimedExecution;
import io.agp.execution.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt running on this worker. When the attempt is lost (cancelled, requeued by the
 * bookkeeper), {@link #abandon} kills the ClickHouse query and closes its stream, which makes the
 * runner abort the upload and write nothing more.
 */
final class RunningExecution {

  private static final Logger log = LoggerFactory.getLogger(RunningExecution.class);

  private final ClaimedExecution claimed;
  private final ClickHouseClient clickhouse;
  private volatile boolean lost;
  private volatile ClickHouseResponse response;

  RunningExecution(ClaimedExecution claimed, ClickHouseClient clickhouse) {
    this.claimed = claimed;
    this.clickhouse = clickhouse;
  }

  ClaimedExecution claimed() {
    return claimed;
  }

  Lease lease() {
    return claimed.lease();
  }

  ClickHouseClient clickhouse() {
    return clickhouse;
  }

  boolean isLost() {
    return lost;
  }

  /** Remembers the stream of the running query, so that an abandon can close it. */
  void attach(ClickHouseResponse response) {
    this.response = response;
    if (lost) {
      response.close();
    }
  }

  /** Stops the attempt: it no longer owns its execution. Safe to call more than once. */
  void abandon(String reason) {
    if (lost) {
      return;
    }
    lost = true;
    log.info(
        "execution {} attempt {} abandoned: {}", lease().executionId(), lease().attempt(), reason);
    try {
      clickhouse.kill(lease().clickHouseQueryId());
    } catch (RuntimeException e) {
      log.warn("could not kill ClickHouse query {}", lease().clickHouseQueryId(), e);
    }
    ClickHouseResponse current = response;
    if (current != null) {
      current.close();
    }
  }
}
