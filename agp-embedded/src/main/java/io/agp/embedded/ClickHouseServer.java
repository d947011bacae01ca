package io.agp.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private {@code clickhouse-server} on this machine, started from the installed binary with its
 * data under a directory of the caller's and free ports of its own: the local mode's ClickHouse,
 * and the tests'.
 *
 * <p>The package's config file is used as it is; everything that would touch the system instance
 * (paths, ports, logs, users) is overridden on the command line, so several can run side by side
 * with the system server.
 *
 * <p>Running as root: ClickHouse 18.16 runs as root without complaint. Newer servers (21+) started
 * as root switch to the owner of the data directory; that owner is whoever runs this, because this
 * class creates the directory itself, so there is no switch and nothing to configure. The binary
 * can be replaced with {@code AGP_CLICKHOUSE_SERVER} and the config with {@code
 * AGP_CLICKHOUSE_CONFIG}.
 */
public final class ClickHouseServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClickHouseServer.class);

  private static final Path DEFAULT_BINARY = Path.of("/usr/sbin/clickhouse-server");
  private static final Path DEFAULT_CONFIG = Path.of("/etc/clickhouse-server/config.xml");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(60);
  // Free ports are picked by binding and releasing them, so another JVM may grab one before the
  // server binds it; a few fresh tries make that race harmless.
  private static final int START_ATTEMPTS = 3;
  private static final int LOG_TAIL_BYTES = 4096;
  private static final String USERS_FILE = "users.xml";

  /**
   * A user of the server whose quota is kept per quota key, so that a query may send one ({@code
   * default}, without a password, refuses client-supplied keys).
   */
  public static final String KEYED_QUOTA_USER = "keyed";

  private final Path binary;
  private final Path config;
  private final Path directory;
  private final HttpClient http;
  private int httpPort;
  private int tcpPort;
  private int interserverPort;
  private Process process;

  private ClickHouseServer(Path binary, Path config, Path directory) {
    this.binary = binary;
    this.config = config;
    this.directory = directory;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /**
   * Starts a server with its data, logs and users file under {@code directory} (created if needed;
   * the data of an earlier start is kept), on free ports, and waits until it answers.
   */
  public static ClickHouseServer launch(Path directory) {
    return launch(directory, Map.of());
  }

  /**
   * Starts a server as {@link #launch(Path)} does, with these files (name to XML) in the users
   * file's drop-in folder ({@code users.d}), which ClickHouse merges into it.
   */
  public static ClickHouseServer launch(Path directory, Map<String, String> usersDropIns) {
    Path binary = findBinary();
    Path config = findConfig();
    Path home;
    try {
      Files.createDirectories(directory);
      // The real path, because the server reports its paths resolved (see checkItIsOurs).
      home = directory.toRealPath();
      for (String sub : List.of("data", "tmp", "user_files", "format_schema", "logs")) {
        Files.createDirectories(home.resolve(sub));
      }
      try (InputStream users = ClickHouseServer.class.getResourceAsStream("clickhouse-users.xml")) {
        Files.copy(users, home.resolve(USERS_FILE), StandardCopyOption.REPLACE_EXISTING);
      }
      Path dropIns = home.resolve("users.d");
      Files.createDirectories(dropIns);
      for (Map.Entry<String, String> dropIn : usersDropIns.entrySet()) {
        Files.writeString(dropIns.resolve(dropIn.getKey()), dropIn.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + directory + " for ClickHouse", e);
    }
    ClickHouseServer server = new ClickHouseServer(binary, config, home);
    IllegalStateException lastFailure = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      server.pickPorts();
      try {
        server.start();
        return server;
      } catch (IllegalStateException e) {
        lastFailure = e;
        log.warn("ClickHouse did not start (attempt {} of {})", attempt, START_ATTEMPTS, e);
      }
    }
    throw lastFailure;
  }

  private static Path findBinary() {
    String fromEnv = System.getenv("AGP_CLICKHOUSE_SERVER");
    if (fromEnv != null && !fromEnv.isBlank()) {
      Path path = Path.of(fromEnv);
      if (!Files.isExecutable(path)) {
        throw new IllegalStateException("AGP_CLICKHOUSE_SERVER is not executable: " + path);
      }
      return path;
    }
    String pathVariable = System.getenv().getOrDefault("PATH", "");
    for (String dir : pathVariable.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "clickhouse-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    if (Files.isExecutable(DEFAULT_BINARY)) {
      return DEFAULT_BINARY;
    }
    throw new IllegalStateException(
        "clickhouse-server not found: set AGP_CLICKHOUSE_SERVER, put it on PATH, or install"
            + " Debian's package (apt-get install -y clickhouse-server)");
  }

  private static Path findConfig() {
    String fromEnv = System.getenv("AGP_CLICKHOUSE_CONFIG");
    Path config = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : DEFAULT_CONFIG;
    if (!Files.isReadable(config)) {
      throw new IllegalStateException(
          "ClickHouse config not readable: " + config + " (set AGP_CLICKHOUSE_CONFIG)");
    }
    return config;
  }

  private void pickPorts() {
    try (ServerSocket a = freeSocket();
        ServerSocket b = freeSocket();
        ServerSocket c = freeSocket()) {
      httpPort = a.getLocalPort();
      tcpPort = b.getLocalPort();
      interserverPort = c.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free ports", e);
    }
  }

  private static ServerSocket freeSocket() throws IOException {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  /** The HTTP interface, e.g. {@code http://127.0.0.1:41234/}. */
  public URI httpUrl() {
    return URI.create("http://127.0.0.1:" + httpPort + "/");
  }

  public int httpPort() {
    return httpPort;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the server on the same ports and data directory it had before, and waits until it
   * answers {@code /ping}. Does nothing if it is already running.
   */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    Path logs = directory.resolve("logs");
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--config-file=" + config);
    command.add("--");
    command.add("--users_config=" + directory.resolve(USERS_FILE));
    command.add("--path=" + directory.resolve("data") + "/");
    command.add("--tmp_path=" + directory.resolve("tmp") + "/");
    command.add("--user_files_path=" + directory.resolve("user_files") + "/");
    command.add("--format_schema_path=" + directory.resolve("format_schema") + "/");
    command.add("--http_port=" + httpPort);
    command.add("--tcp_port=" + tcpPort);
    // The package config listens for replicas on 9009: any second instance would fail to bind it.
    command.add("--interserver_http_port=" + interserverPort);
    command.add("--logger.log=" + logs.resolve("clickhouse-server.log"));
    command.add("--logger.errorlog=" + logs.resolve("clickhouse-server.err.log"));
    command.add("--logger.level=information");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            // A pipe nobody drains would block the server once it fills up.
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("stdout.log").toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(logs.resolve("stderr.log").toFile()));
    long started = System.nanoTime();
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary, e);
    }
    awaitPing();
    log.info(
        "ClickHouse up in {} ms on http port {} (tcp {}, data {})",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        httpPort,
        tcpPort,
        directory);
  }

  private void awaitPing() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    URI ping = httpUrl().resolve("/ping");
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "clickhouse-server exited with status " + process.exitValue() + logTails());
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(ping).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().strip().equals("Ok.")) {
          checkItIsOurs();
          return;
        }
      } catch (ConnectException e) {
        // not listening yet
      } catch (IOException e) {
        log.debug("ping failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "ClickHouse did not answer " + ping + " within " + START_TIMEOUT + logTails());
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
      }
    }
  }

  /**
   * Another test JVM may have taken the port between our pick and our bind, and answer the ping
   * before our server fails to bind: the data path tells the two apart.
   */
  private void checkItIsOurs() {
    String path = query("SELECT data_path FROM system.databases WHERE name = 'system'").strip();
    if (!path.startsWith(directory.toString())) {
      stop();
      throw new IllegalStateException(
          "port " + httpPort + " is served by another ClickHouse (data in " + path + ")");
    }
  }

  private String logTails() {
    Path logs = directory.resolve("logs");
    StringBuilder text = new StringBuilder();
    for (String name : List.of("clickhouse-server.err.log", "stderr.log", "stdout.log")) {
      Path file = logs.resolve(name);
      String tail = tail(file);
      if (!tail.isBlank()) {
        text.append("\n--- ").append(file).append(" (tail) ---\n").append(tail);
      }
    }
    return text.isEmpty() ? " (no log output in " + logs + ")" : text.toString();
  }

  private static String tail(Path file) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] bytes = Files.readAllBytes(file);
      int from = Math.max(0, bytes.length - LOG_TAIL_BYTES);
      return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read: " + e + ")";
    }
  }

  /**
   * Kills the server at once, as a crash would: no graceful shutdown, open connections are cut.
   * {@link #start()} brings it back on the same ports.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("clickhouse-server survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping ClickHouse", e);
    }
    process = null;
  }

  /** Runs one statement over HTTP and returns the body. Fails on any answer other than 200. */
  public String query(String sql) {
    HttpRequest request =
        HttpRequest.newBuilder(httpUrl())
            .timeout(QUERY_TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
            .build();
    HttpResponse<String> response = send(request, sql);
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "ClickHouse answered " + response.statusCode() + " to " + sql + ": " + response.body());
    }
    return response.body();
  }

  private HttpResponse<String> send(HttpRequest request, String sql) {
    for (int attempt = 1; ; attempt++) {
      long sent = System.nanoTime();
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (ConnectException e) {
        throw new UncheckedIOException("ClickHouse is not running: " + sql, e);
      } catch (IOException e) {
        // ClickHouse drops idle keep-alive connections after 3 s, and the JDK's pool may reuse one
        // just as it goes: that fails at once, before any answer, and is worth one more try.
        if (attempt == 1 && System.nanoTime() - sent < TimeUnit.SECONDS.toNanos(1)) {
          continue;
        }
        throw new UncheckedIOException("query failed: " + sql, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during query: " + sql, e);
      }
    }
  }

  /** Stops the server; its data stays for the next {@link #launch}. */
  @Override
  public void close() {
    stop();
  }

  /** Stops the server and deletes its directory, data included. */
  public void destroy() {
    try {
      stop();
    } catch (RuntimeException e) {
      log.warn("cannot stop ClickHouse", e);
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ClickHouseServer::deleteQuietly);
    } catch (IOException e) {
      // Left behind; whoever chose the directory may remove it.
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // best effort: see shutdown()
    }
  }
}
