package io.agp.api.testing;

import io.agp.api.ApiApplication;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultMetadata;
import io.agp.execution.StoredResult;
import io.agp.results.InlineResult;
import io.agp.results.ResultStore;
import io.agp.results.ResultUpload;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The API application, started once per test JVM on a database of its own with a local result
 * folder. No worker runs: tests play the worker's part through the repository, as a worker would.
 */
public final class TestApi {

  private static TestApi shared;

  public final ConfigurableApplicationContext context;
  public final ContractClient client;

  private TestApi(ConfigurableApplicationContext context) {
    this.context = context;
    this.client = new ContractClient(this::url);
  }

  public static synchronized TestApi shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared.context::close, "test-api-stop"));
    }
    return shared;
  }

  /** A new API on a database of its own; {@code extra} arguments add or override settings. */
  public static TestApi start(String... extra) {
    return start((Clock) null, extra);
  }

  /**
   * A new API as {@link #start(String...)} whose clock (the {@code Clock} bean) is {@code clock},
   * unless null.
   */
  public static TestApi start(Clock clock, String... extra) {
    return start(
        clock == null
            ? builder -> {}
            : builder ->
                builder.initializers(
                    context ->
                        context.addBeanFactoryPostProcessor(
                            factory -> {
                              // Runs once the configuration classes have defined their beans.
                              BeanDefinitionRegistry registry = (BeanDefinitionRegistry) factory;
                              registry.removeBeanDefinition("clock");
                              registry.registerBeanDefinition(
                                  "clock", new RootBeanDefinition(Clock.class, () -> clock));
                            })),
        extra);
  }

  /**
   * A new API as {@link #start(String...)}, its application first shaped by {@code customizer}
   * (e.g. with an initializer that adds a bean post-processor).
   */
  public static TestApi start(Consumer<SpringApplicationBuilder> customizer, String... extra) {
    try {
      PostgresTestServer postgres = PostgresTestServer.shared();
      String folder = Files.createTempDirectory("agp-api-results").toUri().toString();
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--spring.datasource.url=" + postgres.newDatabase(),
                  "--spring.datasource.username=" + postgres.user(),
                  "--spring.datasource.password=" + postgres.password(),
                  "--server.port=0",
                  "--agp.results.location=" + folder,
                  "--agp.tiers.default.clickhouse.url=http://localhost:1",
                  "--agp.tiers.gold.clickhouse.url=http://localhost:1",
                  "--agp.api.max-sql-size=64KB",
                  // Long: a test that a wait ends on a notification must not pass by the poll.
                  "--agp.api.wait-safety-poll=1h",
                  "--agp.api.events-keep-alive=300ms",
                  "--agp.api.link-secrets=" + TestServerProperties.LINK_SECRET));
      // An extra setting replaces the default of the same name (Spring would join the two).
      for (String arg : extra) {
        String name = arg.split("=", 2)[0];
        args.removeIf(existing -> existing.split("=", 2)[0].equals(name));
        args.add(arg);
      }
      SpringApplicationBuilder builder = ApiApplication.builder();
      customizer.accept(builder);
      return new TestApi(builder.run(args.toArray(String[]::new)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the API", e);
    }
  }

  public URI url(String path) {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }

  /** Creates an execution of a query no other test sends, in {@code format}; returns its id. */
  public long create(String format) {
    return client
        .postJson(
            "/v1/async/executions",
            "{\"sql\": \"SELECT '%s'\", \"format\": \"%s\"}".formatted(UUID.randomUUID(), format))
        .json()
        .get("id")
        .asLong();
  }

  public ExecutionRepository repository() {
    return context.getBean(ExecutionRepository.class);
  }

  public JdbcClient jdbc() {
    return context.getBean(JdbcClient.class);
  }

  /**
   * Claims one execution by id, as a worker's claim would (with its notification), and returns its
   * lease.
   */
  public AttemptId start(long id) {
    jdbc()
        .sql(
            "update executions set status = 'RUNNING', attempt = attempt + 1, worker_id = 'test',"
                + " picked_at = now(), updated_at = now(),"
                + " lease_expires_at = now() + interval '1 minute' where id = :id")
        .param("id", id)
        .update();
    notifyChanged(id);
    return repository().get(id).orElseThrow().attemptId();
  }

  /** The id of the execution of this SQL, once a create that is still waiting has made it. */
  public long awaitIdOf(String sql) {
    return Awaitility.await()
        .until(
            () ->
                jdbc()
                    .sql("select id from executions where sql = :sql")
                    .param("sql", sql)
                    .query(Long.class)
                    .optional(),
            Optional::isPresent)
        .orElseThrow();
  }

  /** Announces a change of the execution, as the apps do after each change they make. */
  public void notifyChanged(long id) {
    jdbc()
        .sql("select pg_notify('agp_execution_changed', cast(:id as text) || ':RUNNING')")
        .param("id", id)
        .query()
        .listOfRows();
  }

  /** Runs an execution to SUCCEEDED with these result bytes, stored as a worker stores them. */
  public Execution succeed(long id, byte[] stored, String compression) throws Exception {
    return succeed(start(id), stored, compression);
  }

  /**
   * Runs an execution to SUCCEEDED with a result that expires within seconds: within the API's
   * expiry margin, so that no API instance keeps a copy of it, and a test may mark it EXPIRED at
   * once as the bookkeeper would once it has expired.
   */
  public Execution succeedExpiringSoon(long id, byte[] stored, String compression)
      throws Exception {
    return succeed(
        start(id),
        stored,
        compression,
        2,
        List.of(new ResultMetadata.Column("n", "UInt8")),
        Duration.ofSeconds(5),
        null,
        false);
  }

  /** Runs a claimed attempt to SUCCEEDED with these result bytes. */
  public Execution succeed(AttemptId attemptId, byte[] stored, String compression)
      throws Exception {
    return succeed(
        attemptId, stored, compression, 2, List.of(new ResultMetadata.Column("n", "UInt8")));
  }

  /** Runs a claimed attempt to SUCCEEDED with these result bytes, row count and columns. */
  public Execution succeed(
      AttemptId attemptId,
      byte[] stored,
      String compression,
      long rows,
      List<ResultMetadata.Column> columns)
      throws Exception {
    return succeed(attemptId, stored, compression, rows, columns, Duration.ofHours(1), null, false);
  }

  /**
   * Where a test's result is kept: in the result store, as the worker keeps a large result, or in
   * the execution's row, as it keeps a small one (the tier's inline-result-size).
   */
  public enum Kept {
    STORE,
    ROW
  }

  /** Runs an execution to SUCCEEDED with these result bytes, kept where the test says. */
  public Execution succeed(long id, byte[] stored, String compression, Kept kept) throws Exception {
    return succeed(
        start(id),
        stored,
        compression,
        2,
        List.of(new ResultMetadata.Column("n", "UInt8")),
        Duration.ofHours(1),
        null,
        false,
        kept);
  }

  /**
   * Runs a claimed attempt to SUCCEEDED with these result bytes, kept for {@code ttl}, with these
   * query figures (null: none), and whether the bookkeeper is still to complete them.
   */
  public Execution succeed(
      AttemptId attemptId,
      byte[] stored,
      String compression,
      long rows,
      List<ResultMetadata.Column> columns,
      Duration ttl,
      QueryStats stats,
      boolean awaitQueryLog)
      throws Exception {
    return succeed(
        attemptId, stored, compression, rows, columns, ttl, stats, awaitQueryLog, Kept.STORE);
  }

  /** As above, with the result kept where the test says. */
  public Execution succeed(
      AttemptId attemptId,
      byte[] stored,
      String compression,
      long rows,
      List<ResultMetadata.Column> columns,
      Duration ttl,
      QueryStats stats,
      boolean awaitQueryLog,
      Kept kept)
      throws Exception {
    long id = attemptId.executionId();
    String key = "test/" + id + "-" + attemptId.attempt();
    if (kept == Kept.STORE) {
      ResultStore store = context.getBean(ResultStore.class);
      try (ResultUpload upload = store.upload(key)) {
        try (OutputStream out = upload.stream()) {
          out.write(stored);
        }
        upload.commit();
      }
    }
    InlineResult inline = kept == Kept.ROW ? new InlineResult(stored.clone()) : null;
    repository()
        .complete(
            attemptId,
            new StoredResult(key, rows, stored.length, columns, compression, 5, inline),
            ttl,
            stats,
            awaitQueryLog);
    return repository().get(id).orElseThrow();
  }
}
