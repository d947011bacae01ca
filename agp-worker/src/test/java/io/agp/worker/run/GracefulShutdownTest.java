package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.testkit.AppProcess;
import io.agp.testkit.PostgresTestServer;
import io.agp.worker.WorkerApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A worker process (its own JVM) stopped with SIGTERM while it runs queries. */
class GracefulShutdownTest {

  private static final String WORKER_ID = "shutdown-test-worker";
  private static final Duration GRACE = Duration.ofSeconds(4);

  private AppProcess worker;

  @AfterEach
  void killWorker() throws InterruptedException {
    if (worker != null) {
      worker.close();
    }
  }

  @Test
  void onSigtermAShortQueryFinishesWithinTheGraceAndALongOneGoesBackToPending() throws Exception {
    PostgresTestServer postgres = PostgresTestServer.shared();
    String jdbcUrl = postgres.newDatabase();
    Flyway.configure()
        .dataSource(postgres.dataSource(jdbcUrl))
        .locations("classpath:db/migration")
        .load()
        .migrate();
    JdbcClient jdbc = JdbcClient.create(postgres.dataSource(jdbcUrl));
    ExecutionRepository executions = new ExecutionRepository(jdbc);
    Path results = Files.createTempDirectory("agp-shutdown");
    worker = startWorker(jdbcUrl, results);

    long endless =
        create(executions, "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0))");
    await().atMost(Duration.ofSeconds(60)).until(() -> WorkerStack.clickHouseRuns(endless));
    assertThat(executions.get(endless).orElseThrow().workerId()).isEqualTo(WORKER_ID);
    // Two seconds: ends within the grace.
    long brief = create(executions, "SELECT sleep(2) AS slept");
    await().atMost(Duration.ofSeconds(10)).until(() -> WorkerStack.clickHouseRuns(brief));

    long stopAsked = System.nanoTime();
    worker.stop();
    Duration stopping = Duration.ofNanos(System.nanoTime() - stopAsked);

    Execution finished = executions.get(brief).orElseThrow();
    assertThat(finished.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    Execution requeued = executions.get(endless).orElseThrow();
    assertThat(requeued.status()).isEqualTo(ExecutionStatus.PENDING);
    // Claiming had stopped: the requeued execution was not taken again by the stopping worker.
    assertThat(requeued.attempt()).isEqualTo(1);
    assertThat(requeued.workerId()).isNull();
    assertThat(requeued.error()).contains("shut down");
    assertThat(stopping).isGreaterThanOrEqualTo(GRACE);
    assertThat(WorkerStack.clickHouseRuns(endless)).isFalse();
    assertThat(
            jdbc.sql("select count(*) from executions where status = 'RUNNING'")
                .query(Long.class)
                .single())
        .isZero();
  }

  private static long create(ExecutionRepository executions, String sql) {
    String queryId = UUID.randomUUID().toString();
    return executions
        .createOrCollapse(
            NewExecution.builder(queryId, sql).format("JSON").createdBy("tester").build())
        .execution()
        .id();
  }

  private static AppProcess startWorker(String jdbcUrl, Path results) throws Exception {
    Map<String, Object> properties = WorkerStack.baseProperties(jdbcUrl);
    properties.put("agp.worker.id", WORKER_ID);
    properties.put("agp.worker.shutdown-grace", GRACE.toMillis() + "ms");
    properties.put("agp.results.location", results.toUri().toString());
    properties.put("agp.tiers.default.max-run-time", "120s");
    return AppProcess.start(WorkerApplication.class.getName(), properties);
  }
}
