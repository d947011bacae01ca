package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.bookkeeper.rescue.DeadExecutionRequeuer;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.StoredResult;
import io.agp.testkit.ClickHouseTestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadExecutionRequeuerTest {

  private static final Duration EXPIRED_LEASE = Duration.ofMillis(1);

  private final Fixture fixture = new Fixture();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final DeadExecutionRequeuer requeuer =
      new DeadExecutionRequeuer(
          fixture.maintenance,
          fixture.clickhouse,
          new BookkeeperProperties.Rescue(Duration.ofSeconds(5), 2),
          meters);

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void requeuesAnExecutionWhoseLeaseHasPassedForAnotherAttempt() {
    long id = fixture.create("SELECT 1", Map.of("p", "v"), 3);
    fixture.claim(EXPIRED_LEASE);
    fixture.awaitLeasesPast();

    DeadExecutionRequeuer.Report report = requeuer.runOnce();

    assertThat(report).isEqualTo(new DeadExecutionRequeuer.Report(1, 0, 0));
    Execution requeued = fixture.executions.get(id).orElseThrow();
    assertThat(requeued.status()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(requeued.workerId()).isNull();
    assertThat(requeued.error()).contains("attempt 1").contains("doomed-worker");
    AttemptId second = fixture.claim(Duration.ofMinutes(1));
    assertThat(second).isEqualTo(new AttemptId(id, 2));
    assertThat(meters.counter("agp.bookkeeper.requeued").count()).isEqualTo(1);
  }

  @Test
  void failsAnExecutionThatKillsItsWorkerEveryTime() {
    long id = fixture.create("SELECT 'poison'", Map.of("secret", "s"), 3);
    for (int attempt = 1; attempt <= 3; attempt++) {
      assertThat(fixture.claim(EXPIRED_LEASE).attempt()).isEqualTo(attempt);
      fixture.awaitLeasesPast();
      requeuer.runOnce();
    }

    Execution failed = fixture.executions.get(id).orElseThrow();
    assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(failed.attempt()).isEqualTo(3);
    assertThat(failed.completedAt()).isNotNull();
    assertThat(failed.error())
        .contains("worker lost")
        .contains("3 attempts")
        .contains("attempt 1: worker doomed-worker lost its lease")
        .contains("attempt 2: worker doomed-worker lost its lease")
        .contains("attempt 3: worker doomed-worker lost its lease");
    assertThat(
            fixture
                .jdbc
                .sql("select parameters from executions where id = :id")
                .param("id", id)
                .query(String.class)
                .optional())
        .isEmpty();
    assertThat(meters.counter("agp.bookkeeper.failed.lost").count()).isEqualTo(1);
  }

  @Test
  void leavesAnExecutionWhoseLeaseIsAlive() {
    long id = fixture.create("SELECT 2", Map.of(), 3);
    fixture.claim(Duration.ofMinutes(5));

    assertThat(requeuer.runOnce()).isEqualTo(new DeadExecutionRequeuer.Report(0, 0, 0));
    assertThat(fixture.status(id)).isEqualTo("RUNNING");
  }

  @Test
  void neverOverwritesAWorkerThatCompletedFirst() {
    long id = fixture.create("SELECT 3", Map.of(), 3);
    AttemptId attemptId = fixture.claim(EXPIRED_LEASE);
    fixture.awaitLeasesPast();
    assertThat(
            fixture.executions.complete(
                attemptId, new StoredResult("k", 1, 1, List.of(), null, 1), Duration.ofHours(1)))
        .isTrue();

    assertThat(requeuer.runOnce().requeued()).isZero();
    assertThat(fixture.status(id)).isEqualTo("SUCCEEDED");
  }

  @Test
  void requeuesEveryDeadExecutionAcrossBatches() {
    for (int i = 0; i < 5; i++) {
      fixture.create("SELECT " + (10 + i), Map.of(), 3);
      fixture.claim(EXPIRED_LEASE);
    }
    fixture.awaitLeasesPast();

    assertThat(requeuer.runOnce().requeued()).isEqualTo(5);
  }

  @Test
  void killsTheClickHouseQueryOfTheDeadAttempt() throws Exception {
    long id = fixture.create("SELECT count() FROM system.numbers", Map.of(), 3);
    AttemptId attemptId = fixture.claim(EXPIRED_LEASE);
    ClickHouseClient clickhouse = fixture.clickhouse.find("default").orElseThrow().getFirst();
    // The dead worker's query, still running on ClickHouse under the attempt's query_id.
    try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
      background.submit(
          () -> {
            try (ClickHouseResponse response =
                    clickhouse.execute(
                        attemptId.clickHouseQueryId(),
                        "SELECT count() FROM system.numbers",
                        Map.of("max_execution_time", "60"));
                InputStream body = response.body()) {
              body.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return null;
          });
      await().until(() -> clickhouse.system().progress(attemptId.clickHouseQueryId()).isPresent());
      fixture.awaitLeasesPast();

      DeadExecutionRequeuer.Report report = requeuer.runOnce();

      assertThat(report.killed()).isEqualTo(1);
      assertThat(
              ClickHouseTestServer.shared()
                  .query(
                      "SELECT count() FROM system.processes WHERE query_id = '"
                          + attemptId.clickHouseQueryId()
                          + "'")
                  .strip())
          .isEqualTo("0");
      assertThat(fixture.status(id)).isEqualTo("PENDING");
    }
  }
}
