package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A running execution taken away from its worker: canceled, or requeued by someone else. */
class CancelAndLostLeaseTest {

  /** Would count for hours; the tier's max run time is the safety net. */
  private static final String ENDLESS_COUNT =
      "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0))";

  private static Path results;
  private static WorkerStack stack;

  @BeforeAll
  static void start() throws IOException {
    results = Files.createTempDirectory("agp-cancel");
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location", results.toUri().toString(),
                "agp.tiers.default.max-run-time", "120s",
                "agp.tiers.default.lease", "3s",
                "agp.tiers.default.heartbeat-interval", "300ms"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void cancelingARunningExecutionStopsItsClickHouseQueryWithinTwoSeconds() throws IOException {
    long id = stack.create(ENDLESS_COUNT, "JSON", "default");
    await().atMost(Duration.ofSeconds(10)).until(() -> WorkerStack.clickHouseRuns(id));
    // The progress sampler records how far the query got.
    Execution running =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> stack.get(id), e -> e.progress() != null && e.progress().rows() > 0);
    assertThat(running.status()).isEqualTo(ExecutionStatus.RUNNING);
    assertThat(running.progress().elapsedMillis()).isPositive();

    assertThat(stack.executions().cancel(id, null)).isPresent();

    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !WorkerStack.clickHouseRuns(id));
    await().atMost(Duration.ofSeconds(5)).until(() -> counted("canceled") == 1);
    Execution canceled = stack.get(id);
    assertThat(canceled.status()).isEqualTo(ExecutionStatus.CANCELED);
    assertThat(canceled.error()).isNull();
    assertThat(canceled.result()).isNull();
    assertThat(files()).isEmpty();
  }

  @Test
  void anExecutionRequeuedBySomeoneElseIsStoppedAndNothingMoreIsWritten() throws IOException {
    long id = stack.create(ENDLESS_COUNT, "JSON", "default");
    await().atMost(Duration.ofSeconds(10)).until(() -> WorkerStack.clickHouseRuns(id));
    double lostBefore = counted("lost");

    // What the bookkeeper does to an execution whose lease ran out; not claimable for an hour.
    stack
        .jdbc()
        .sql(
            """
            update executions
            set status = 'PENDING', worker_id = null, lease_expires_at = null,
                run_after = now() + interval '1 hour', updated_at = now()
            where id = :id
            """)
        .param("id", id)
        .update();
    Execution requeued = stack.get(id);

    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !WorkerStack.clickHouseRuns(id));
    await().atMost(Duration.ofSeconds(5)).until(() -> counted("lost") == lostBefore + 1);
    assertThat(stack.get(id)).isEqualTo(requeued);
    assertThat(files()).isEmpty();
  }

  private static double counted(String event) {
    var counter =
        stack
            .bean(MeterRegistry.class)
            .find("agp.worker.executions")
            .tag("tier", "default")
            .tag("event", event)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static List<Path> files() throws IOException {
    try (Stream<Path> paths = Files.walk(results)) {
      return paths.filter(Files::isRegularFile).toList();
    }
  }
}
