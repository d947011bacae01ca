package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The S3 server stopped while results are being uploaded in parts, then started again: the
 * interrupted executions fail with the store's reason, and leave neither an object nor a pending
 * multipart upload behind; executions created once S3 is back succeed.
 */
@Tag("faults")
// It stops a server every test class of the JVM uses.
@Isolated
class S3OutageFaultTest {

  private static final String BUCKET = "faults-s3";
  private static final String PREFIX = "r";
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  private final S3TestServer s3 = S3TestServer.shared();
  private FaultStack stack;
  private ApiClient client;
  private ExecutionRepository executions;

  /**
   * About 10 MB of CSV over a few seconds: two 5 MiB parts, so that a multipart upload is under way
   * when S3 goes.
   */
  private record BigQuery(int seed, double secondsPerRow) {

    String sql() {
      return String.format(
          Locale.ROOT,
          "SELECT number, toString(cityHash64(number, %d)) AS h, toFixedString('', 500) AS pad"
              + " FROM numbers(20000) WHERE sleepEachRow(%s) = 0 SETTINGS max_block_size = 1000",
          seed,
          secondsPerRow);
    }

    String expected() {
      return ClickHouseTestServer.shared()
          .query(
              String.format(
                  Locale.ROOT,
                  "SELECT number, toString(cityHash64(number, %d)) AS h, toFixedString('', 500)"
                      + " AS pad FROM numbers(20000) FORMAT CSV",
                  seed));
    }
  }

  @BeforeEach
  void start() throws Exception {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = new HashMap<>(FaultStack.s3Store(BUCKET, PREFIX));
    properties.put("agp.results.s3.part-size", "5MB");
    stack = FaultStack.start(jdbcUrl, "postgres", "", properties, "worker-a", "worker-b");
    client = new ApiClient(stack::apiUrl);
    executions =
        new ExecutionRepository(JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl)));
  }

  @AfterEach
  void stop() throws Exception {
    // Other test classes need it, whatever happened here.
    s3.start();
    stack.close();
  }

  @Test
  void uploadsCutByAnOutageFailCleanlyAndLaterOnesSucceed() throws Exception {
    Map<Long, String> sqlById = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      String sql = new BigQuery(600 + i, 0.0003).sql();
      sqlById.put(Faults.create(client, sql, "default"), sql);
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> s3.pendingMultipartUploads(BUCKET) > 0);

    s3.stop();
    // Created while S3 is down: their results have nowhere to go.
    for (int i = 0; i < 2; i++) {
      String sql = "SELECT " + (610 + i) + " AS n";
      sqlById.put(Faults.create(client, sql, "default"), sql);
    }
    Thread.sleep(OUTAGE);
    s3.start();
    long healed = System.nanoTime();

    List<Execution> hit =
        Faults.awaitAllEnded(executions, sqlById.keySet(), Duration.ofSeconds(120));
    Duration allEnded = Faults.since(healed);
    int failed = 0;
    for (Execution execution : hit) {
      if (execution.status() == ExecutionStatus.FAILED) {
        assertThat(execution.error()).contains("storing the result failed");
        assertThat(execution.result()).isNull();
        failed++;
      } else {
        assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      }
    }
    // At least the upload that was under way at the stop had to fail.
    assertThat(failed).as(stack.logs()).isPositive();
    // The aborts that could not reach S3 are retried in the background until they get through.
    await().atMost(Duration.ofSeconds(60)).until(() -> s3.pendingMultipartUploads(BUCKET) == 0);
    Duration clean = Faults.since(healed);
    Faults.assertStoredExactly(Faults.storedKeysOf(s3, BUCKET, PREFIX, hit), resultKeys(hit));

    BigQuery big = new BigQuery(620, 0.0001);
    long bigId = Faults.create(client, big.sql(), "default");
    long smallId = Faults.create(client, "SELECT 621 AS n", "default");
    List<Execution> later =
        Faults.awaitAllEnded(executions, List.of(bigId, smallId), Duration.ofSeconds(120));
    assertThat(later)
        .as(stack.logs())
        .allMatch(e -> e.status() == ExecutionStatus.SUCCEEDED && e.attempt() == 1);
    assertThat(Faults.download(client, bigId)).isEqualTo(big.expected());
    assertThat(Faults.download(client, smallId)).isEqualTo("621\n");
    Faults.assertStoredExactly(Faults.storedKeysOf(s3, BUCKET, PREFIX, later), resultKeys(later));
    assertThat(s3.pendingMultipartUploads(BUCKET)).isZero();

    Faults.recordFigure(
        "S3 stopped " + OUTAGE.toSeconds() + " s during uploads",
        allEnded,
        String.format(
            "%d executions, %d failed cleanly; no pending upload %.1f s after the restart",
            hit.size(), failed, clean.toMillis() / 1000.0));
  }

  private static List<String> resultKeys(List<Execution> some) {
    List<String> keys = new ArrayList<>();
    for (Execution execution : some) {
      if (execution.status() == ExecutionStatus.SUCCEEDED) {
        keys.add(PREFIX + "/" + execution.result().key());
      }
    }
    return keys;
  }
}
