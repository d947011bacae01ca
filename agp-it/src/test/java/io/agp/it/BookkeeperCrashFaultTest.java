package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bookkeeper killed (SIGKILL) in the middle of expiring results: a new bookkeeper finishes the
 * work. Every result that should go is gone (object deleted, execution EXPIRED), including one
 * whose object was deleted just before the crash; every result that should stay is still there,
 * whole.
 */
@Tag("faults")
class BookkeeperCrashFaultTest {

  private static final String BUCKET = "faults-expiry";
  private static final String PREFIX = "r";
  private static final int DOOMED = 10;
  private static final int KEPT = 4;

  private final S3TestServer s3 = S3TestServer.shared();
  private FaultStack stack;
  private ApiClient client;
  private ExecutionRepository executions;
  private JdbcClient jdbc;

  @BeforeEach
  void start() throws Exception {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = new HashMap<>(FaultStack.s3Store(BUCKET, PREFIX));
    // Slow expiry on purpose: one batch of two per round, so that a kill lands in the middle.
    properties.put("agp.bookkeeper.expiry.interval", "300ms");
    properties.put("agp.bookkeeper.expiry.batch-size", "2");
    properties.put("agp.bookkeeper.expiry.time-limit", "1ms");
    stack = FaultStack.start(jdbcUrl, "postgres", "", properties, "worker-a");
    client = new ApiClient(stack::apiUrl);
    jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl));
    executions = new ExecutionRepository(jdbc);
  }

  @AfterEach
  void stop() throws Exception {
    stack.close();
  }

  @Test
  void aRestartedBookkeeperFinishesAnExpiryCutShortByACrash() throws Exception {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < DOOMED + KEPT; i++) {
      ids.add(Faults.create(client, "SELECT " + (700 + i) + " AS n", "default"));
    }
    List<Execution> succeeded = Faults.awaitAllEnded(executions, ids, Duration.ofSeconds(120));
    assertThat(succeeded).allMatch(e -> e.status() == ExecutionStatus.SUCCEEDED);
    List<Execution> doomed = succeeded.subList(0, DOOMED);
    List<Execution> kept = succeeded.subList(DOOMED, DOOMED + KEPT);
    assertThat(Faults.storedKeysOf(s3, BUCKET, PREFIX, succeeded)).hasSize(DOOMED + KEPT);

    // As if the first doomed result's time-to-live had passed and a bookkeeper had deleted its
    // object, then died before it marked the execution.
    s3.deleteObject(BUCKET, PREFIX + "/" + doomed.getFirst().result().key());
    jdbc.sql("update executions set expires_at = now() - interval '1 second' where id in (:ids)")
        .param("ids", doomed.stream().map(Execution::id).toList())
        .update();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> expiredAmong(doomed) >= 2);
    stack.bookkeeper().kill();
    long expiredAtCrash = expiredAmong(doomed);
    assertThat(expiredAtCrash).as("the crash came in the middle of the expiry").isLessThan(DOOMED);

    long restarting = System.nanoTime();
    stack.restartBookkeeper(
        Map.of(
            "agp.bookkeeper.expiry.batch-size", "200",
            "agp.bookkeeper.expiry.time-limit", "30s"));
    long started = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> expiredAmong(doomed) == DOOMED);
    Duration recovery = Faults.since(restarting);
    Duration afterStart = Faults.since(started);

    for (Execution execution : doomed) {
      assertThat(client.get("/v1/async/executions/" + execution.id() + "/result").status())
          .isEqualTo(410);
    }
    for (int i = 0; i < KEPT; i++) {
      Execution execution = kept.get(i);
      assertThat(executions.get(execution.id()).orElseThrow().status())
          .isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(Faults.download(client, execution.id())).isEqualTo((700 + DOOMED + i) + "\n");
    }
    Faults.assertStoredExactly(
        Faults.storedKeysOf(s3, BUCKET, PREFIX, succeeded),
        kept.stream().map(e -> PREFIX + "/" + e.result().key()).toList());
    Faults.recordFigure(
        "bookkeeper kill -9 during expiry",
        recovery,
        String.format(
            "%d results to expire, %d done at the crash, %d to keep; JVM start included,"
                + " %.1f s once started",
            DOOMED, expiredAtCrash, KEPT, afterStart.toMillis() / 1000.0));
  }

  private long expiredAmong(List<Execution> some) {
    return jdbc.sql("select count(*) from executions where status = 'EXPIRED' and id in (:ids)")
        .param("ids", some.stream().map(Execution::id).toList())
        .query(Long.class)
        .single();
  }
}
