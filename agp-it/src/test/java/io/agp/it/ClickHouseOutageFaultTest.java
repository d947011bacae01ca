package io.agp.it;

import static io.agp.it.Faults.agpQueriesOnClickHouse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.it.Faults.SlowQuery;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * ClickHouse down for a few seconds (killed, then started again) while executions run and others
 * wait: each tier's retry policy decides. The tier {@code default} allows two attempts, so its
 * executions fail with the reason of each; the tier {@code patient} allows eight, so its executions
 * outlast the outage and succeed. None is left hanging, and new executions run once ClickHouse is
 * back.
 */
@Tag("faults")
// It stops a server every test class of the JVM uses.
@Isolated
class ClickHouseOutageFaultTest {

  private static final Duration OUTAGE = Duration.ofSeconds(5);

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private FaultStack stack;
  private ApiClient client;
  private ExecutionRepository executions;

  @BeforeEach
  void start() throws Exception {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = new HashMap<>(FaultStack.s3Store("faults-clickhouse", "r"));
    properties.put("agp.tiers.default.max-attempts", "2");
    properties.put("agp.tiers.patient.clickhouse.url", clickhouse.httpUrl().toString());
    properties.put("agp.tiers.patient.lease", "3s");
    properties.put("agp.tiers.patient.concurrency", "3");
    properties.put("agp.tiers.patient.max-attempts", "8");
    stack = FaultStack.start(jdbcUrl, "postgres", "", properties, "worker-a", "worker-b");
    client = new ApiClient(stack::apiUrl);
    executions =
        new ExecutionRepository(JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl)));
  }

  @AfterEach
  void stop() throws Exception {
    // Other test classes need it, whatever happened here.
    clickhouse.start();
    stack.close();
  }

  @Test
  void executionsFailWithTheirReasonsOrAreRetriedPerTierAndNewOnesRunOnceItIsBack()
      throws Exception {
    Map<Long, SlowQuery> retried = new LinkedHashMap<>();
    List<Long> failing = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      SlowQuery patient = new SlowQuery(500 + i, 12, 0.5);
      retried.put(Faults.create(client, patient.sql(), "patient"), patient);
      failing.add(Faults.create(client, new SlowQuery(510 + i, 12, 0.5).sql(), "default"));
    }
    List<Long> running = new ArrayList<>(retried.keySet());
    running.addAll(failing);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<String> queries = agpQueriesOnClickHouse();
              return running.stream().allMatch(id -> queries.contains("agp-" + id + "-1"));
            });

    clickhouse.stop();
    // Created while ClickHouse is down: their first attempts cannot connect.
    for (int i = 0; i < 2; i++) {
      SlowQuery patient = new SlowQuery(520 + i, 3, 0.01);
      retried.put(Faults.create(client, patient.sql(), "patient"), patient);
      failing.add(Faults.create(client, new SlowQuery(530 + i, 3, 0.01).sql(), "default"));
    }
    Thread.sleep(OUTAGE);
    clickhouse.start();
    long healed = System.nanoTime();
    Map<Long, SlowQuery> fresh = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      SlowQuery query = new SlowQuery(540 + i, 3, 0.01);
      fresh.put(Faults.create(client, query.sql(), "default"), query);
    }

    List<Long> all = new ArrayList<>(retried.keySet());
    all.addAll(failing);
    all.addAll(fresh.keySet());
    Faults.awaitAllEnded(executions, all, Duration.ofSeconds(120));
    Duration recovery = Faults.since(healed);

    for (long id : failing) {
      Execution execution = executions.get(id).orElseThrow();
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.FAILED);
      assertThat(execution.attempt()).isEqualTo(2);
      assertThat(execution.error())
          .contains("attempt 1: ")
          .contains("; attempt 2: ")
          .contains("ClickHouse");
    }
    int patientAttempts = 0;
    for (Map.Entry<Long, SlowQuery> entry : retried.entrySet()) {
      Execution execution = executions.get(entry.getKey()).orElseThrow();
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(execution.attempt()).isGreaterThan(1);
      assertThat(Faults.download(client, execution.id())).isEqualTo(entry.getValue().expected());
      patientAttempts = Math.max(patientAttempts, execution.attempt());
    }
    for (Map.Entry<Long, SlowQuery> entry : fresh.entrySet()) {
      Execution execution = executions.get(entry.getKey()).orElseThrow();
      assertThat(execution.status()).as(stack.logs()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(execution.attempt()).isEqualTo(1);
      assertThat(Faults.download(client, execution.id())).isEqualTo(entry.getValue().expected());
    }
    assertThat(agpQueriesOnClickHouse()).isEmpty();
    Faults.recordFigure(
        "ClickHouse stopped " + OUTAGE.toSeconds() + " s",
        recovery,
        String.format(
            "%d failed after 2 attempts, %d retried (up to %d attempts) and succeeded, %d new",
            failing.size(), retried.size(), patientAttempts, fresh.size()));
  }
}
