package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A ClickHouse that is slow to say how far a query got (overloaded, or frozen for a while) must not
 * hold up the lease renewals: otherwise the bookkeeper would take the executions away from a
 * healthy worker and run them again.
 */
class SlowProgressTest {

  private static final Duration PROGRESS_DELAY = Duration.ofSeconds(10);

  private static WorkerStack stack;

  /** Passes everything to the test ClickHouse, but holds each progress query for a while. */
  private static ClickHouseHttpProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    proxy = new ClickHouseHttpProxy(PROGRESS_DELAY, sql -> Map.of());
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-slow-progress").toUri().toString(),
                "agp.tiers.default.clickhouse.url",
                proxy.url(),
                "agp.tiers.default.lease",
                "2s",
                "agp.tiers.default.heartbeat-interval",
                "200ms",
                "agp.tiers.default.progress-interval",
                "200ms"));
  }

  @AfterAll
  static void stop() {
    stack.close();
    proxy.close();
  }

  @Test
  void leasesAreRenewedWhileClickHouseIsSlowToReportProgress() {
    long id =
        stack.create(
            "SELECT count() FROM (SELECT number FROM numbers(8) WHERE sleepEachRow(0.5) = 0"
                + " SETTINGS max_block_size = 1)",
            "JSON",
            "default");
    Execution claimed = stack.awaitStatus(id, ExecutionStatus.RUNNING, Duration.ofSeconds(30));
    Instant firstLease = claimed.leaseExpiresAt();

    // Every progress query waits ten seconds, the lease is two: only renewals that do not wait
    // for the progress keep it ahead.
    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> stack.get(id),
            e ->
                e.status() == ExecutionStatus.RUNNING
                    && e.leaseExpiresAt().isAfter(firstLease.plusSeconds(1)));

    Execution done = stack.awaitEnd(id);
    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(1);
    // A round every 200 ms, each held ten seconds: they do not pile up on the slow server.
    assertThat(proxy.mostProgressQueriesAtOnce()).isEqualTo(1);
  }
}
