package io.agp.testkit;

import io.agp.embedded.ClickHouseServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The private {@code clickhouse-server} of a test JVM ({@link ClickHouseServer}): its data under
 * {@code java.io.tmpdir}, started once per JVM on first use, killed and deleted when the JVM exits.
 */
public final class ClickHouseTestServer {

  /** A user whose quota is kept per quota key (see {@link ClickHouseServer#KEYED_QUOTA_USER}). */
  public static final String KEYED_QUOTA_USER = ClickHouseServer.KEYED_QUOTA_USER;

  private static volatile ClickHouseTestServer shared;
  // Each test class asks for the server: a start that failed once is not tried again per class.
  private static RuntimeException launchFailure;

  private final ClickHouseServer server;

  private ClickHouseTestServer(ClickHouseServer server) {
    this.server = server;
  }

  /** The server of this JVM, started on first use. */
  public static ClickHouseTestServer shared() {
    ClickHouseTestServer instance = shared;
    if (instance == null) {
      synchronized (ClickHouseTestServer.class) {
        instance = shared;
        if (instance == null) {
          if (launchFailure != null) {
            throw new IllegalStateException("ClickHouse failed to start earlier", launchFailure);
          }
          try {
            instance = new ClickHouseTestServer(ClickHouseServer.launch(directory()));
          } catch (RuntimeException e) {
            launchFailure = e;
            throw e;
          }
          ClickHouseServer started = instance.server;
          Runtime.getRuntime()
              .addShutdownHook(new Thread(started::destroy, "clickhouse-test-server-shutdown"));
          shared = instance;
        }
      }
    }
    return instance;
  }

  private static Path directory() {
    try {
      return Files.createTempDirectory(
          Path.of(System.getProperty("java.io.tmpdir")), "agp-clickhouse-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for ClickHouse", e);
    }
  }

  /** The HTTP interface, e.g. {@code http://127.0.0.1:41234/}. */
  public URI httpUrl() {
    return server.httpUrl();
  }

  public int httpPort() {
    return server.httpPort();
  }

  public boolean isRunning() {
    return server.isRunning();
  }

  /** Starts the server again on the same ports and data, after {@link #stop()}. */
  public void start() {
    server.start();
  }

  /** Kills the server at once, as a crash would; {@link #start()} brings it back. */
  public void stop() {
    server.stop();
  }

  /** Runs one statement over HTTP and returns the body, for assertions. */
  public String query(String sql) {
    return server.query(sql);
  }
}
