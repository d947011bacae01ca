package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseEndpoint;
import io.agp.clickhouse.ClickHouseException;
import io.agp.execution.ClaimedExecution;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An attempt abandoned while its query is on its way to ClickHouse, against the real server. */
class RunningExecutionTest {

  /** Writes nothing until its end, 30 s later: closing the connection does not stop it. */
  private static final String SILENT_FOR_30_SECONDS =
      "SELECT count() FROM (SELECT sleepEachRow(1) FROM numbers(30) SETTINGS max_block_size = 1)"
          + " FORMAT JSON";

  private final ClickHouseClient node =
      new ClickHouseClient(
          new ClickHouseEndpoint(ClickHouseTestServer.shared().httpUrl()), Duration.ofSeconds(5));

  @AfterEach
  void close() {
    node.close();
  }

  @Test
  void aQuerySentJustAfterTheAbandonIsKilledOnceItReachesClickHouse() {
    RunningExecution run =
        new RunningExecution(claimed(ThreadLocalRandom.current().nextLong(1, 1L << 40)));
    assertThat(run.useNode(node)).isTrue();
    // The heartbeat learns the attempt is lost while the query is being sent: the kill it sends
    // at once comes before the query, and finds nothing.
    run.abandon(AttemptOutcome.LOST, "lost while sending");

    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                node.execute(run.attemptId().clickHouseQueryId(), SILENT_FOR_30_SECONDS, Map.of()))
        .isInstanceOf(ClickHouseException.class);
    run.sendEnded();

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(WorkerStack.clickHouseRuns(run.attemptId().executionId())).isFalse();
  }

  /** A RUNNING execution as a claim hands it to the worker, with a lease of 30 s. */
  static ClaimedExecution claimed(long id) {
    Instant now = Instant.now();
    return new ClaimedExecution(
        new Execution(
            id,
            "q",
            "h",
            null,
            "SELECT 1",
            "JSON",
            "default",
            "tester",
            Map.of(),
            0,
            ExecutionStatus.RUNNING,
            1,
            3,
            0,
            now,
            now,
            now,
            null,
            "w",
            now.plusSeconds(30),
            null,
            null,
            null,
            null,
            null,
            false,
            false),
        Map.of());
  }
}
