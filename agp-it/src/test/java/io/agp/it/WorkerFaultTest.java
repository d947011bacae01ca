package io.agp.it;

import static io.agp.it.Faults.agpQueriesOnClickHouse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.it.Faults.SlowQuery;
import io.agp.testkit.AppProcess;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Workers that die (SIGKILL) or freeze (SIGSTOP past their lease) in the middle of long queries,
 * with several executions spread over two worker processes: each execution still succeeds exactly
 * once, with the right bytes and one stored object, and no query of a lost attempt keeps running on
 * ClickHouse.
 */
@Tag("faults")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerFaultTest {

  private static final String BUCKET = "faults-workers";
  private static final String PREFIX = "r";

  /** Two workers of three slots each: six executions fill both. */
  private static final int EXECUTIONS = 6;

  private final S3TestServer s3 = S3TestServer.shared();
  private FaultStack stack;
  private ApiClient client;
  private ExecutionRepository executions;

  /** One system for both tests (starting JVMs is what takes time); each test brings worker-a up. */
  @BeforeAll
  void startSystem() throws Exception {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    stack =
        FaultStack.start(
            jdbcUrl, "postgres", "", FaultStack.s3Store(BUCKET, PREFIX), "worker-a", "worker-b");
    client = new ApiClient(stack::apiUrl);
    executions =
        new ExecutionRepository(JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl)));
  }

  @BeforeEach
  void bothWorkersRun() throws Exception {
    if (!stack.worker("worker-a").isAlive()) {
      stack.startWorker("worker-a");
    }
  }

  @AfterAll
  void stopSystem() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void executionsOfAKilledWorkerEachSucceedOnceWithTheRightBytesAndNoQueryLeftBehind()
      throws Exception {
    Map<Long, SlowQuery> queries = createSlowExecutions(100);
    List<Long> victims = awaitSpreadOverBothWorkers(queries);

    stack.worker("worker-a").kill();
    long killed = System.nanoTime();

    // Each lost query would run about ten more seconds on its own: the bookkeeper kills them
    // when it requeues their executions, one lease (3 s) after the crash.
    await()
        .atMost(Duration.ofSeconds(9))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                agpQueriesOnClickHouse().stream()
                    .noneMatch(q -> victims.stream().anyMatch(id -> q.equals("agp-" + id + "-1"))));
    Duration staleQueriesGone = Faults.since(killed);

    List<Execution> done =
        Faults.awaitAllEnded(executions, queries.keySet(), Duration.ofSeconds(120));
    Duration recovery = Faults.since(killed);

    for (Execution execution : done) {
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      if (victims.contains(execution.id())) {
        assertThat(execution.attempt()).isGreaterThanOrEqualTo(2);
        assertThat(execution.workerId()).isEqualTo("worker-b");
      }
    }
    assertOneCorrectResultEach(queries, done);
    assertThat(agpQueriesOnClickHouse()).isEmpty();
    Faults.recordFigure(
        "worker kill -9",
        recovery,
        String.format(
            "%d executions, %d on the killed worker; its queries killed after %.1f s",
            EXECUTIONS, victims.size(), staleQueriesGone.toMillis() / 1000.0));
  }

  @Test
  void aWorkerPausedPastItsLeaseWritesNothingWhenItResumes() throws Exception {
    Map<Long, SlowQuery> queries = createSlowExecutions(200);
    List<Long> victims = awaitSpreadOverBothWorkers(queries);
    AppProcess frozen = stack.worker("worker-a");

    frozen.pause();
    long paused = System.nanoTime();
    // Past the lease the bookkeeper takes the executions away from the frozen worker.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                victims.stream()
                    .map(id -> executions.get(id).orElseThrow())
                    .noneMatch(e -> "worker-a".equals(e.workerId())));
    // Resumed while the next attempts wait or run: its heartbeats and writes of attempt 1 must all
    // be refused.
    frozen.resume();
    long resumed = System.nanoTime();

    List<Execution> done =
        Faults.awaitAllEnded(executions, queries.keySet(), Duration.ofSeconds(120));
    Duration recovery = Faults.since(resumed);
    for (Execution execution : done) {
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      if (victims.contains(execution.id())) {
        assertThat(execution.attempt()).isGreaterThanOrEqualTo(2);
      }
    }
    // Over several of its heartbeats, nothing the resumed worker does changes an ended execution.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> queries.keySet().stream().map(id -> executions.get(id).orElseThrow()).toList(),
            done::equals);
    assertThat(frozen.isAlive()).isTrue();
    assertOneCorrectResultEach(queries, done);
    await().atMost(Duration.ofSeconds(30)).until(() -> s3.pendingMultipartUploads(BUCKET) == 0);
    assertThat(agpQueriesOnClickHouse()).isEmpty();
    Faults.recordFigure(
        "worker SIGSTOP past lease, SIGCONT",
        recovery,
        String.format(
            "%d executions, %d on the paused worker (paused %.1f s)",
            EXECUTIONS, victims.size(), Duration.ofNanos(resumed - paused).toMillis() / 1000.0));
  }

  /** Six queries of about twelve seconds each, with results known in advance. */
  private Map<Long, SlowQuery> createSlowExecutions(int firstSeed) {
    Map<Long, SlowQuery> queries = new LinkedHashMap<>();
    for (int i = 0; i < EXECUTIONS; i++) {
      SlowQuery query = new SlowQuery(firstSeed + i, 24, 0.5);
      queries.put(Faults.create(client, query.sql(), "default"), query);
    }
    return queries;
  }

  /**
   * Waits until all executions run, three on each worker, with their queries on ClickHouse; returns
   * those of worker-a.
   */
  private List<Long> awaitSpreadOverBothWorkers(Map<Long, SlowQuery> queries) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<String> running = agpQueriesOnClickHouse();
              return queries.keySet().stream()
                  .allMatch(
                      id ->
                          executions.get(id).orElseThrow().status() == ExecutionStatus.RUNNING
                              && running.contains("agp-" + id + "-1"));
            });
    List<Long> onA = new ArrayList<>();
    for (long id : queries.keySet()) {
      if ("worker-a".equals(executions.get(id).orElseThrow().workerId())) {
        onA.add(id);
      }
    }
    assertThat(onA).hasSize(EXECUTIONS / 2);
    return onA;
  }

  /** The right bytes for every execution, and in the bucket its result (and row index) alone. */
  private void assertOneCorrectResultEach(Map<Long, SlowQuery> queries, List<Execution> done) {
    List<String> expectedKeys = new ArrayList<>();
    for (Execution execution : done) {
      assertThat(Faults.download(client, execution.id()))
          .as("result of execution %d", execution.id())
          .isEqualTo(queries.get(execution.id()).expected());
      expectedKeys.add(PREFIX + "/" + execution.result().key());
    }
    // Objects of these executions only: the other test's share the bucket.
    List<String> stored = Faults.storedKeysOf(s3, BUCKET, PREFIX, done);
    Faults.assertStoredExactly(stored, expectedKeys);
  }
}
