package io.agp.bookkeeper;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agp.execution.AttemptId;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.execution.StoredResult;
import io.agp.results.InlineResult;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultStores;
import io.agp.results.ResultUpload;
import io.agp.results.S3Options;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import io.agp.tier.TierClickHouseClients;
import io.agp.tier.Tiers;
import io.agp.tier.TiersProperties;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the bookkeeper's duties work on, against the real servers: a migrated database of its own,
 * an S3 bucket of its own, and the tiers {@code default} and {@code logged} (which reads the query
 * log) on the test ClickHouse.
 */
final class Fixture implements AutoCloseable {

  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(java.nio.charset.StandardCharsets.UTF_8));

  private static final AtomicInteger BUCKETS = new AtomicInteger();

  final HikariDataSource dataSource;
  final JdbcClient jdbc;
  final ExecutionRepository executions;
  final MaintenanceRepository maintenance;
  final ResultStore results;
  final String bucket;
  final Tiers tiers;
  final TierClickHouseClients clickhouse;

  Fixture() {
    PostgresTestServer postgres = PostgresTestServer.shared();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.newDatabase());
    config.setUsername(postgres.user());
    config.setMaximumPoolSize(8);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    jdbc = JdbcClient.create(dataSource);
    executions = new ExecutionRepository(jdbc);
    maintenance = new MaintenanceRepository(jdbc);
    S3TestServer s3 = S3TestServer.shared();
    bucket = "bookkeeper-" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    results =
        ResultStores.open(
            URI.create("s3://" + bucket + "/store"),
            new S3Options(
                s3.endpoint(),
                s3.region(),
                s3.accessKey(),
                s3.secretKey(),
                true,
                true,
                S3Options.DEFAULT_PART_SIZE_BYTES,
                S3Options.DEFAULT_MAX_CONNECTIONS));
    tiers =
        new Tiers(
            new Binder(
                    new MapConfigurationPropertySource(
                        Map.of(
                            "agp.tiers.default.clickhouse.url",
                            ClickHouseTestServer.shared().httpUrl().toString(),
                            "agp.tiers.logged.clickhouse.url",
                            ClickHouseTestServer.shared().httpUrl().toString(),
                            "agp.tiers.logged.read-query-log",
                            "true")))
                .bind("agp", TiersProperties.class)
                .get());
    clickhouse = new TierClickHouseClients(tiers);
  }

  /** A new PENDING execution of tier default. */
  long create(String sql, Map<String, String> parameters, int maxAttempts) {
    String hash = HASH.of(sql, "JSON", parameters);
    return executions
        .createOrCollapse(
            NewExecution.builder(UUID.randomUUID().toString(), sql)
                .queryHash(hash)
                .format("JSON")
                .createdBy("tester")
                .parameters(parameters)
                .maxAttempts(maxAttempts)
                .build())
        .execution()
        .id();
  }

  /** Claims the execution (the oldest PENDING of tier default) with the given lease. */
  AttemptId claim(Duration lease) {
    return executions.claim("default", "doomed-worker", 1, lease).getFirst().attemptId();
  }

  /** Stores an object and completes the attempt with it, valid for {@code ttl}. */
  String succeed(AttemptId attemptId, Duration ttl) throws IOException {
    String key = StoredResult.keyFor(attemptId, ResultFormat.JSON, ResultCompression.NONE);
    store(key);
    executions.complete(attemptId, new StoredResult(key, 1, 2, List.of(), null, 3), ttl);
    return key;
  }

  /** Completes the attempt with a result kept in its row, as a worker keeps a small one. */
  String succeedInRow(AttemptId attemptId, Duration ttl) {
    String key = StoredResult.keyFor(attemptId, ResultFormat.JSON, ResultCompression.NONE);
    InlineResult inline = new InlineResult("{}".getBytes(StandardCharsets.UTF_8));
    executions.complete(attemptId, new StoredResult(key, 1, 2, List.of(), null, 3, inline), ttl);
    return key;
  }

  void store(String key) throws IOException {
    try (ResultUpload upload = results.upload(key)) {
      upload.stream().write("{}".getBytes(StandardCharsets.UTF_8));
      upload.commit();
    }
  }

  List<String> storedKeys() {
    return S3TestServer.shared().keys(bucket);
  }

  String status(long id) {
    return jdbc.sql("select status from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }

  /** Waits until the database clock has passed every lease. */
  void awaitLeasesPast() {
    jdbc.sql("select pg_sleep(0.02)").query().listOfRows();
  }

  @Override
  public void close() {
    clickhouse.close();
    results.close();
    dataSource.close();
  }
}
