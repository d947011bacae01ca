package io.agp.testkit;

import io.agp.embedded.ClickHouseServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.opentest4j.TestAbortedException;

/**
 * The private {@code clickhouse-server} of a test JVM ({@link ClickHouseServer}): its data under
 * {@code java.io.tmpdir}, started once per JVM on first use, killed and deleted when the JVM exits.
 *
 * <p>With the system property {@value #EXTERNAL_URL} the tests use that server instead (e.g. a
 * container of a current release, see {@code ModernServersTest}); it cannot be stopped from here.
 */
public final class ClickHouseTestServer {

  /** System property: the HTTP interface of a ClickHouse outside this JVM to test against. */
  public static final String EXTERNAL_URL = "agp.test.clickhouse.url";

  /** A user whose quota is kept per quota key (see {@link ClickHouseServer#KEYED_QUOTA_USER}). */
  public static final String KEYED_QUOTA_USER = ClickHouseServer.KEYED_QUOTA_USER;

  private static volatile ClickHouseTestServer shared;
  // Each test class asks for the server: a start that failed once is not tried again per class.
  private static RuntimeException launchFailure;

  /** The embedded server, or {@code null} for an external one. */
  private final ClickHouseServer server;

  private final URI externalUrl;
  private final HttpClient http = HttpClient.newHttpClient();

  private ClickHouseTestServer(ClickHouseServer server, URI externalUrl) {
    this.server = server;
    this.externalUrl = externalUrl;
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
          String external = System.getProperty(EXTERNAL_URL, "");
          if (!external.isBlank()) {
            shared = new ClickHouseTestServer(null, URI.create(external));
            return shared;
          }
          try {
            instance =
                new ClickHouseTestServer(
                    ClickHouseServer.launch(directory(), Map.of(TIERS_FILE, tiersRecipe())), null);
            instance.query("CREATE DATABASE IF NOT EXISTS " + ANALYTICS);
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

  /** The file of deploy/clickhouse that gives each tier its ClickHouse user. */
  public static final String TIERS_FILE = "agp-tiers.xml";

  /** The analytic database that the recipe's tier users may read. */
  public static final String ANALYTICS = "analytics";

  /**
   * The tier users of {@code deploy/clickhouse/users.d/agp-tiers.xml} ({@code agp_default} and
   * {@code agp_vip}, password {@code agp}), as ClickHouse 18.16 takes them: without the settings
   * constraints it does not know (19.x on). Tests that run AGP as a team would (the Compose and
   * Helm configurations) reach ClickHouse as those users.
   */
  public static String tiersRecipe() {
    Path file = repositoryRoot().resolve("deploy/clickhouse/users.d").resolve(TIERS_FILE);
    try {
      return Files.readString(file).replaceAll("(?s)\\s*<constraints>.*?</constraints>", "");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The repository's root: the first folder up from here that holds deploy/clickhouse. */
  static Path repositoryRoot() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("deploy/clickhouse"))) {
        return d;
      }
    }
    throw new IllegalStateException("no deploy/clickhouse above " + dir);
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
    return server != null ? server.httpUrl() : externalUrl;
  }

  public int httpPort() {
    return server != null ? server.httpPort() : externalUrl.getPort();
  }

  public boolean isRunning() {
    return server == null || server.isRunning();
  }

  /** Starts the server again on the same ports and data, after {@link #stop()}. */
  public void start() {
    if (server != null) {
      server.start();
    }
  }

  /**
   * Kills the server at once, as a crash would; {@link #start()} brings it back. Aborts the calling
   * test for an external server, which is not this JVM's to kill.
   */
  public void stop() {
    if (server == null) {
      throw new TestAbortedException("an external ClickHouse (" + externalUrl + ") is not stopped");
    }
    server.stop();
  }

  /** Runs one statement over HTTP and returns the body, for assertions. */
  public String query(String sql) {
    if (server != null) {
      return server.query(sql);
    }
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(externalUrl)
                  .timeout(Duration.ofMinutes(1))
                  .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "ClickHouse answered " + response.statusCode() + " to " + sql + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("query failed: " + sql, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during query: " + sql, e);
    }
  }
}
