package io.agp.worker.run;

import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker application in this JVM against the real test servers and a database of its own, and the
 * executions table as the API would fill it.
 */
final class WorkerStack implements AutoCloseable {

  private final ConfigurableApplicationContext worker;
  private final JdbcClient jdbc;
  private final ExecutionRepository executions;
  private final String jdbcUrl;

  private WorkerStack(ConfigurableApplicationContext worker, String jdbcUrl) {
    this.worker = worker;
    this.jdbcUrl = jdbcUrl;
    this.jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl));
    this.executions = new ExecutionRepository(jdbc);
  }

  /** Properties every test stack starts with; {@code extra} adds to or overrides them. */
  static Map<String, Object> baseProperties(String jdbcUrl) {
    Map<String, Object> properties = TestServerProperties.forDatabase(jdbcUrl);
    properties.put("agp.worker.poll-interval", "200ms");
    properties.put("agp.worker.retry-backoff", "50ms");
    properties.put("agp.worker.shutdown-grace", "1s");
    return properties;
  }

  static WorkerStack start(Map<String, Object> extra) {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = baseProperties(jdbcUrl);
    properties.putAll(extra);
    return new WorkerStack(
        WorkerApplication.builder().run(TestServerProperties.toArgs(properties)), jdbcUrl);
  }

  ExecutionRepository executions() {
    return executions;
  }

  JdbcClient jdbc() {
    return jdbc;
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  <T> T bean(Class<T> type) {
    return worker.getBean(type);
  }

  long create(String sql, String format, String tier) {
    return create(sql, format, tier, "tester", Map.of(), 3);
  }

  long create(
      String sql,
      String format,
      String tier,
      String user,
      Map<String, String> parameters,
      int maxAttempts) {
    String queryId = UUID.randomUUID().toString();
    return executions
        .createOrCollapse(
            NewExecution.builder(queryId, sql)
                .format(format)
                .tier(tier)
                .createdBy(user)
                .parameters(parameters)
                .maxAttempts(maxAttempts)
                .build())
        .execution()
        .id();
  }

  Execution get(long id) {
    return executions.get(id).orElseThrow();
  }

  Execution awaitStatus(long id, ExecutionStatus status, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> get(id), e -> e.status() == status);
  }

  /** Waits until the execution has left PENDING and RUNNING, and returns it. */
  Execution awaitEnd(long id) {
    return awaitEnd(id, Duration.ofMillis(20));
  }

  /** The same, polling the database every {@code pollInterval}. */
  Execution awaitEnd(long id, Duration pollInterval) {
    return awaitEnd(id, pollInterval, Duration.ofSeconds(60));
  }

  /** The same, for at most {@code atMost}. */
  Execution awaitEnd(long id, Duration pollInterval, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(pollInterval)
        .until(
            () -> get(id),
            e -> e.status() != ExecutionStatus.PENDING && e.status() != ExecutionStatus.RUNNING);
  }

  /** Waits for the worker's listening connection and returns its backend's pid. */
  int awaitListener() {
    return await()
        .atMost(Duration.ofSeconds(15))
        .until(this::listeners, pids -> !pids.isEmpty())
        .getFirst();
  }

  /** The backend pids of the worker's listening connections to its database (one, or none). */
  List<Integer> listeners() {
    return jdbc.sql(
            "select pid from pg_stat_activity"
                + " where datname = current_database() and application_name = :name")
        .param("name", ExecutionNotifications.APPLICATION_NAME)
        .query(Integer.class)
        .list();
  }

  /** Whether ClickHouse runs a query of that execution, any attempt. */
  static boolean clickHouseRuns(long id) {
    String count =
        ClickHouseTestServer.shared()
            .query(
                "SELECT count() FROM system.processes WHERE query_id LIKE 'agp-"
                    + id
                    + "-%' FORMAT TSV")
            .strip();
    return !count.equals("0");
  }

  @Override
  public void close() {
    worker.close();
  }
}
