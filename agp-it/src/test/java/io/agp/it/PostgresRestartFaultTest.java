package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.it.Faults.SlowQuery;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.RestartablePostgresServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * PostgreSQL restarted while executions are pending and running: the API, the workers (their pools
 * and their LISTEN connection) and the bookkeeper reconnect by themselves; every execution succeeds
 * with its result, none stays PENDING or RUNNING.
 */
@Tag("faults")
class PostgresRestartFaultTest {

  private static final String BUCKET = "faults-postgres";
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  private RestartablePostgresServer postgres;
  private FaultStack stack;
  private ApiClient client;
  private ExecutionRepository executions;
  private JdbcClient jdbc;

  @BeforeEach
  void start() throws Exception {
    postgres = RestartablePostgresServer.start();
    Map<String, Object> properties = new HashMap<>(FaultStack.s3Store(BUCKET, "r"));
    properties.put("agp.tiers.default.concurrency", "2");
    // A tier no worker serves: its executions are claimed by hand by a worker that never was.
    properties.put(
        "agp.tiers.ghost.clickhouse.url", ClickHouseTestServer.shared().httpUrl().toString());
    properties.put("agp.worker.tiers", "default");
    stack =
        FaultStack.start(
            postgres.jdbcUrl(),
            postgres.user(),
            postgres.password(),
            properties,
            "worker-a",
            "worker-b");
    client = new ApiClient(stack::apiUrl);
    jdbc = JdbcClient.create(postgres.dataSource());
    executions = new ExecutionRepository(jdbc);
  }

  @AfterEach
  void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
    postgres.close();
  }

  @Test
  void everyAppReconnectsAfterARestartAndNoExecutionIsLostOrLeftRunning() throws Exception {
    Map<Long, SlowQuery> queries = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      SlowQuery query = new SlowQuery(300 + i, 8, 0.5);
      queries.put(Faults.create(client, query.sql(), "default"), query);
    }
    // Two workers of two slots: four run, four wait.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> countWithStatus(ExecutionStatus.RUNNING) == 4);
    assertThat(countWithStatus(ExecutionStatus.PENDING)).isEqualTo(4);

    postgres.stop();
    Thread.sleep(OUTAGE);
    postgres.restart();
    long healed = System.nanoTime();

    // The API takes new executions again without being restarted.
    for (int i = 0; i < 4; i++) {
      SlowQuery query = new SlowQuery(400 + i, 4, 0.5);
      long id =
          await()
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(() -> Faults.create(client, query.sql(), "default"), created -> true);
      queries.put(id, query);
    }

    List<Execution> done =
        Faults.awaitAllEnded(executions, queries.keySet(), Duration.ofSeconds(120));
    Duration recovery = Faults.since(healed);
    for (Execution execution : done) {
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(Faults.download(client, execution.id()))
          .isEqualTo(queries.get(execution.id()).expected());
    }
    assertThat(countWithStatus(ExecutionStatus.PENDING)).isZero();
    assertThat(countWithStatus(ExecutionStatus.RUNNING)).isZero();

    // Each worker listens for notifications again.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc.sql(
                        "select count(*) from pg_stat_activity"
                            + " where application_name = 'agp-worker-listener'")
                    .query(Long.class)
                    .single(),
            n -> n == 2);

    // The bookkeeper watches the leases again: an execution whose worker vanished after the
    // restart is failed once its lease has passed.
    long ghost = ghostExecution();
    Execution lost =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> executions.get(ghost).orElseThrow(), e -> e.status().isTerminal());
    assertThat(lost.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(lost.error()).contains("lost its lease");

    Faults.recordFigure(
        "PostgreSQL stopped " + OUTAGE.toSeconds() + " s",
        recovery,
        String.format(
            "%d executions (4 running, 4 pending at the stop, 4 created after it)", done.size()));
  }

  private long countWithStatus(ExecutionStatus status) {
    return jdbc.sql("select count(*) from executions where status = :status")
        .param("status", status.name())
        .query(Long.class)
        .single();
  }

  /** An execution of the tier no worker serves, claimed by a worker that never renews it. */
  private long ghostExecution() {
    long id =
        executions
            .createOrCollapse(
                NewExecution.builder(UUID.randomUUID().toString(), "SELECT 1")
                    .tier("ghost")
                    .createdBy("tester")
                    .maxAttempts(1)
                    .build())
            .execution()
            .id();
    assertThat(executions.claim("ghost", "ghost-worker", 1, Duration.ofSeconds(1)))
        .extracting(c -> c.execution().id())
        .containsExactly(id);
    return id;
  }
}
