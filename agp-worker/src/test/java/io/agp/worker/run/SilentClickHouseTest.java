package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.FreezableProxy;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A ClickHouse that falls silent with the connection still open (frozen, or behind a link that died
 * without a reset) fails its attempts after the tier's read timeout: no execution stays RUNNING for
 * good while its worker keeps renewing the lease.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SilentClickHouseTest {

  private FreezableProxy proxy;
  private WorkerStack stack;

  @BeforeAll
  void start() throws Exception {
    proxy = new FreezableProxy(ClickHouseTestServer.shared().httpUrl());
    stack =
        WorkerStack.start(
            Map.of(
                "agp.tiers.default.clickhouse.url",
                proxy.uri().toString(),
                "agp.tiers.default.clickhouse.read-timeout",
                "1s",
                "agp.tiers.default.lease",
                "3s",
                "agp.results.location",
                Files.createTempDirectory("agp-silent").toUri().toString()));
  }

  @AfterAll
  void stop() throws Exception {
    stack.close();
    proxy.close();
  }

  @Test
  void eachAttemptGivesUpAfterTheReadTimeoutAndTheServerServesAgainOnceItAnswers() {
    // Through the live proxy first: the pool's first query also asks the server its settings.
    assertThat(stack.awaitEnd(stack.create("SELECT 1", "JSON", "default")).status())
        .isEqualTo(ExecutionStatus.SUCCEEDED);

    proxy.freeze();
    long silent = stack.create("SELECT 2", "JSON", "default", "tester", Map.of(), 2);
    Execution failed = stack.awaitEnd(silent);
    proxy.thaw();

    assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(failed.attempt()).isEqualTo(2);
    assertThat(failed.error())
        .contains("attempt 1: ")
        .contains("no byte from the server for 1000 ms (read timeout)");
    // Two attempts of about a second each, and the backoff between them.
    assertThat(failed.completedAt()).isBefore(failed.createdAt().plusSeconds(15));

    assertThat(stack.awaitEnd(stack.create("SELECT 3", "JSON", "default")).status())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void aStreamThatFallsSilentAfterItsFirstRowsFailsWithoutARetry() {
    // About 900 MB: still streaming once its first megabyte went through.
    long before = proxy.bytesFromServer();
    long stalled =
        stack.create(
            "SELECT number FROM system.numbers LIMIT 100000000",
            "TSV",
            "default",
            "tester",
            Map.of(),
            3);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> proxy.bytesFromServer() > before + 1_000_000);
    proxy.freeze();
    Execution failed = stack.awaitEnd(stalled);
    proxy.thaw();

    // Rows were stored already: another attempt could not take over, so it fails at once.
    assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(failed.attempt()).isEqualTo(1);
    assertThat(failed.error())
        .contains("broke off after")
        .contains("no byte from the server for 1000 ms (read timeout)");
  }
}
