package io.agp.it;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.testkit.AppProcess;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system as real processes, each app in a JVM of its own: the API, the workers named at
 * start and the bookkeeper, against one database, the shared ClickHouse and a result store. Fault
 * tests kill, pause and restart them like an operator (or a crash) would.
 */
final class FaultStack implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  private static final String STARTED = "Started ";

  private final Map<String, Object> properties;
  private final int apiPort;
  private final Map<String, AppProcess> workers = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> workerProperties = new HashMap<>();
  private AppProcess api;
  private AppProcess bookkeeper;

  private FaultStack(Map<String, Object> properties, int apiPort) {
    this.properties = properties;
    this.apiPort = apiPort;
  }

  /**
   * Starts the API, the bookkeeper and one worker per id, all at once, and waits until every one
   * has started. Leases are short (3 s) and the bookkeeper looks at them often, so that a dead
   * worker's executions move on within seconds.
   */
  static FaultStack start(
      String jdbcUrl, String user, String password, Map<String, Object> extra, String... workerIds)
      throws IOException, InterruptedException {
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.datasource.url", jdbcUrl);
    properties.put("spring.datasource.username", user);
    properties.put("spring.datasource.password", password);
    properties.put(
        "agp.tiers.default.clickhouse.url", ClickHouseTestServer.shared().httpUrl().toString());
    properties.put("agp.tiers.default.lease", "3s");
    properties.put("agp.tiers.default.concurrency", "3");
    // The faults are the store's too: every result goes to it, the small ones of the tests too.
    properties.put("agp.tiers.default.inline-result-size", "0");
    properties.put("agp.worker.poll-interval", "200ms");
    properties.put("agp.worker.retry-backoff", "500ms");
    properties.put("agp.worker.shutdown-grace", "1s");
    properties.put("agp.bookkeeper.rescue.interval", "300ms");
    properties.put("agp.api.link-secrets", TestServerProperties.LINK_SECRET);
    properties.put("server.port", "0");
    properties.putAll(extra);
    FaultStack stack = new FaultStack(properties, freePort());
    try {
      List<AppProcess> starting = new ArrayList<>();
      stack.api =
          AppProcess.start(
              ApiApplication.class.getName(), with(properties, "server.port", stack.apiPort));
      starting.add(stack.api);
      stack.bookkeeper = AppProcess.start(BookkeeperApplication.class.getName(), properties);
      starting.add(stack.bookkeeper);
      for (String id : workerIds) {
        AppProcess worker = launchWorker(properties, id);
        stack.workers.put(id, worker);
        starting.add(worker);
      }
      for (AppProcess app : starting) {
        app.awaitOutput(STARTED, START_TIMEOUT);
      }
      return stack;
    } catch (IOException | InterruptedException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** The properties that point an app at an S3 bucket of the shared test server. */
  static Map<String, Object> s3Store(String bucket, String prefix) {
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket(bucket);
    return Map.of(
        "agp.results.location", "s3://" + bucket + "/" + prefix,
        "agp.results.s3.endpoint", s3.endpoint().toString(),
        "agp.results.s3.region", s3.region(),
        "agp.results.s3.access-key", s3.accessKey(),
        "agp.results.s3.secret-key", s3.secretKey(),
        "agp.results.s3.path-style", "true",
        "agp.results.s3.checksums-when-required", "true");
  }

  URI apiUrl(String path) {
    return URI.create("http://localhost:" + apiPort + path);
  }

  AppProcess worker(String id) {
    return workers.get(id);
  }

  AppProcess bookkeeper() {
    return bookkeeper;
  }

  AppProcess api() {
    return api;
  }

  /** Starts another worker (or a worker again, under an id it had) and waits until it runs. */
  AppProcess startWorker(String id) throws IOException, InterruptedException {
    return startWorker(id, workerProperties.getOrDefault(id, Map.of()));
  }

  /**
   * Starts a worker with {@code extra} properties of its own (e.g. the tiers it serves), which it
   * keeps when started again under its id, and waits until it runs.
   */
  AppProcess startWorker(String id, Map<String, Object> extra)
      throws IOException, InterruptedException {
    AppProcess old = workers.remove(id);
    if (old != null) {
      old.close();
    }
    workerProperties.put(id, extra);
    Map<String, Object> all = new HashMap<>(properties);
    all.putAll(extra);
    AppProcess worker = launchWorker(all, id);
    workers.put(id, worker);
    worker.awaitOutput(STARTED, START_TIMEOUT);
    return worker;
  }

  /** Starts the bookkeeper again, with {@code extra} properties, after it stopped or died. */
  AppProcess restartBookkeeper(Map<String, Object> extra) throws IOException, InterruptedException {
    bookkeeper.close();
    Map<String, Object> all = new HashMap<>(properties);
    all.putAll(extra);
    bookkeeper = AppProcess.start(BookkeeperApplication.class.getName(), all);
    bookkeeper.awaitOutput(STARTED, START_TIMEOUT);
    return bookkeeper;
  }

  /** The logs of every app, for a failure message. */
  String logs() {
    StringBuilder text = new StringBuilder();
    Map<String, AppProcess> all = new LinkedHashMap<>();
    all.put("api", api);
    all.put("bookkeeper", bookkeeper);
    workers.forEach((id, worker) -> all.put("worker " + id, worker));
    all.forEach(
        (name, app) -> {
          if (app != null) {
            try {
              text.append("\n===== ")
                  .append(name)
                  .append(app.exitValue().isPresent() ? " (exited " + app.exitValue() + ")" : "")
                  .append(" =====\n")
                  .append(app.log());
            } catch (IOException e) {
              text.append("\n===== ").append(name).append(": ").append(e);
            }
          }
        });
    return text.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (AppProcess worker : workers.values()) {
      worker.close();
    }
    if (bookkeeper != null) {
      bookkeeper.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private static AppProcess launchWorker(Map<String, Object> properties, String id)
      throws IOException {
    return AppProcess.start(
        WorkerApplication.class.getName(), with(properties, "agp.worker.id", id));
  }

  private static Map<String, Object> with(Map<String, Object> properties, String key, Object v) {
    Map<String, Object> all = new HashMap<>(properties);
    all.put(key, v);
    return all;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
