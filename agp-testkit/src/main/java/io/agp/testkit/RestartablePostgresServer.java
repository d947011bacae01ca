package io.agp.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL server of one test's own that can be stopped and started again on the same port and
 * data directory, so that the apps connected to it see an outage and then the same database again.
 * The shared {@link PostgresTestServer} is never stopped: other test classes use it.
 */
public final class RestartablePostgresServer implements AutoCloseable {

  private static final String DATABASE = "agp";

  private final Path dataDirectory;
  private final int port;
  private EmbeddedPostgres postgres;

  private RestartablePostgresServer(Path dataDirectory, int port) {
    this.dataDirectory = dataDirectory;
    this.port = port;
  }

  /** Starts a new server with an empty database {@code agp}. */
  public static RestartablePostgresServer start() {
    try {
      Path directory =
          Files.createTempDirectory(
              Path.of(System.getProperty("java.io.tmpdir")), "restartable-postgres-");
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      RestartablePostgresServer server = new RestartablePostgresServer(directory, port);
      server.restart();
      try (Connection connection = server.postgres.getPostgresDatabase().getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("create database " + DATABASE);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a restartable PostgreSQL", e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the database", e);
    }
  }

  /** Starts the server again on its port and data directory. Does nothing if it runs. */
  public synchronized void restart() {
    if (postgres != null) {
      return;
    }
    try {
      postgres =
          EmbeddedPostgres.builder()
              .setPort(port)
              .setDataDirectory(dataDirectory)
              // Kept across stop and start: the point is to come back to the same data.
              .setCleanDataDirectory(false)
              .setServerConfig("max_connections", "200")
              .setServerConfig("fsync", "off")
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not start on port " + port, e);
    }
  }

  /**
   * Stops the server ({@code pg_ctl stop -m fast}): every open connection is cut, new ones are
   * refused until {@link #restart()}.
   */
  public synchronized void stop() {
    if (postgres == null) {
      return;
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not stop", e);
    } finally {
      postgres = null;
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + port + "/" + DATABASE + "?user=postgres";
  }

  public String user() {
    return "postgres";
  }

  public String password() {
    return "";
  }

  public int port() {
    return port;
  }

  /** A DataSource without a pool: each use opens a connection, so it works across a restart. */
  public DataSource dataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(jdbcUrl());
    return dataSource;
  }

  @Override
  public void close() {
    stop();
  }
}
