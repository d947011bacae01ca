package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.testkit.AppProcess;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Workers that die or freeze in the middle of a query, as real processes: the bookkeeper gives the
 * execution to another worker, which completes it exactly once.
 */
class DeadWorkerTest {

  /**
   * Eight one-second blocks: a dead attempt's query would still run when the next attempt starts,
   * unless the bookkeeper killed it.
   */
  private static final String SLOW_SQL =
      "SELECT count() AS n FROM (SELECT sleepEachRow(1) FROM numbers(8) SETTINGS max_block_size = 1)";

  private final Map<String, Object> properties = new HashMap<>();
  private final List<AutoCloseable> started = new ArrayList<>();
  private Path results;
  private ExecutionRepository executions;

  @BeforeEach
  void start() throws IOException {
    PostgresTestServer postgres = PostgresTestServer.shared();
    String jdbcUrl = postgres.newDatabase();
    results = Files.createTempDirectory("agp-dead-worker");
    properties.putAll(TestServerProperties.forDatabase(jdbcUrl));
    properties.put("agp.tiers.default.lease", "2s");
    properties.put("agp.results.location", results.toUri().toString());
    // The store shows which attempt wrote: every result goes to it, the small one here too.
    properties.put("agp.tiers.default.inline-result-size", "0");
    properties.put("agp.worker.poll-interval", "200ms");
    properties.put("agp.bookkeeper.rescue.interval", "300ms");
    // The bookkeeper migrates the schema and watches the leases from the start.
    started.add(inProcess(BookkeeperApplication.builder().run(args(Map.of()))));
    executions = new ExecutionRepository(JdbcClient.create(postgres.dataSource(jdbcUrl)));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : started.reversed()) {
      closeable.close();
    }
  }

  @Test
  void anExecutionOfAKilledWorkerIsCompletedOnceByAnother() throws Exception {
    AppProcess doomed = worker("worker-a");
    started.add(doomed);
    long id = create();
    awaitRunningOn(id, "worker-a");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> queriesOnClickHouse("agp-" + id + "-1") == 1);

    doomed.kill();
    // Left alone, the dead attempt's query would run for seven more seconds at least.
    await().atMost(Duration.ofSeconds(5)).until(() -> queriesOnClickHouse("agp-" + id + "-1") == 0);
    started.add(
        inProcess(WorkerApplication.builder().run(args(Map.of("agp.worker.id", "worker-b")))));

    Execution done = awaitEnd(id);
    assertThat(done.status())
        .as("status (error: %s)", done.error())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.workerId()).isEqualTo("worker-b");
    assertThat(storedFiles()).containsExactly(id + "-2.json");
  }

  @Test
  void aPausedWorkerThatLostItsExecutionWritesNothingWhenItResumes() throws Exception {
    AppProcess frozen = worker("worker-a");
    started.add(frozen);
    long id = create();
    awaitRunningOn(id, "worker-a");

    frozen.pause();
    started.add(
        inProcess(WorkerApplication.builder().run(args(Map.of("agp.worker.id", "worker-b")))));
    Execution done = awaitEnd(id);
    assertThat(done.status())
        .as("status (error: %s)", done.error())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
    frozen.resume();

    // Past several of its heartbeats, the resumed worker has changed nothing.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> executions.get(id).orElseThrow().equals(done));
    assertThat(storedFiles()).containsExactly(id + "-2.json");
    assertThat(frozen.log()).contains("execution " + id + " attempt 1");
  }

  private long create() {
    return executions
        .createOrCollapse(
            NewExecution.builder(UUID.randomUUID().toString(), SLOW_SQL)
                .format("JSON")
                .createdBy("tester")
                .build())
        .execution()
        .id();
  }

  private void awaitRunningOn(long id, String worker) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> executions.get(id).orElseThrow(),
            e -> e.status() == ExecutionStatus.RUNNING && worker.equals(e.workerId()));
  }

  private Execution awaitEnd(long id) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> executions.get(id).orElseThrow(), e -> e.status().isTerminal());
  }

  private List<String> storedFiles() throws IOException {
    try (Stream<Path> files = Files.walk(results)) {
      return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    }
  }

  private static long queriesOnClickHouse(String queryId) {
    return Long.parseLong(
        ClickHouseTestServer.shared()
            .query("SELECT count() FROM system.processes WHERE query_id = '" + queryId + "'")
            .strip());
  }

  private AppProcess worker(String id) throws IOException {
    Map<String, Object> all = new HashMap<>(properties);
    all.put("agp.worker.id", id);
    return AppProcess.start(WorkerApplication.class.getName(), all);
  }

  private String[] args(Map<String, String> extra) {
    Map<String, Object> all = new HashMap<>(properties);
    all.putAll(extra);
    return TestServerProperties.toArgs(all);
  }

  private static AutoCloseable inProcess(ConfigurableApplicationContext context) {
    return context::close;
  }
}
