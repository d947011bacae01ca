package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Many executions through the API, three workers over two tiers, the bookkeeper and an S3 result
 * store, while clients poll: quick queries, long ones, failing ones, duplicates that collapse and
 * cancels. Afterwards every execution has ended as its client expects, the counts add up, every
 * result downloads intact and the bucket holds exactly the results of the SUCCEEDED executions.
 *
 * <p>{@code -Dagp.load.executions=N} sets the number of client operations; the normal build runs
 * 10,000 (88 s to all final on a lightly loaded 2-core machine, about 2.5 min with the downloads
 * and the start). Wall time and rates go to stdout and {@code target/load-figures.txt}.
 */
@Tag("load")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadTest {

  private static final int OPERATIONS = Integer.getInteger("agp.load.executions", 10_000);
  private static final int CLIENTS = 16;
  private static final int POLLERS = 4;
  private static final int DUPLICATES_PER_GROUP = 4;
  private static final String BUCKET = "load";
  private static final String PREFIX = "load-results/";
  private static final List<String> FINAL = List.of("SUCCEEDED", "FAILED", "CANCELED");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A query that takes about 1.2 s: four rows, one per block, 0.3 s each. */
  private static String longSql(int op, String marker) {
    return "SELECT count() AS n, "
        + op
        + " AS "
        + marker
        + " FROM (SELECT sleepEachRow(0.3) FROM numbers(4) SETTINGS max_block_size = 1)";
  }

  private enum Kind {
    QUICK,
    LONG,
    FAILING,
    CANCELED,
    DUPLICATE
  }

  /** What the client that created an execution expects of it once it ends. */
  private record Expectation(
      int op, Kind kind, String status, String errorMarker, Consumer<byte[]> content) {}

  private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
  private final Map<Long, Expectation> expected = new ConcurrentHashMap<>();
  private final List<Long> createdIds = Collections.synchronizedList(new ArrayList<>());

  /** A final status some poller received, and when it had received it. */
  private record Seen(String status, long nanos) {}

  private final Map<Long, Seen> finalSeen = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong collapsed = new AtomicLong();
  private final AtomicLong cancelsAccepted = new AtomicLong();
  private final AtomicLong cancelsTooLate = new AtomicLong();
  private final AtomicLong polls = new AtomicLong();
  private ApiClient client;
  private JdbcClient jdbc;

  @BeforeAll
  void start() {
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket(BUCKET);
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = new HashMap<>(TestServerProperties.forDatabase(jdbcUrl));
    properties.put("agp.results.location", "s3://" + BUCKET + "/" + PREFIX);
    properties.put("agp.results.s3.endpoint", s3.endpoint().toString());
    properties.put("agp.results.s3.region", s3.region());
    properties.put("agp.results.s3.access-key", s3.accessKey());
    properties.put("agp.results.s3.secret-key", s3.secretKey());
    properties.put("agp.results.s3.path-style", "true");
    properties.put("agp.results.s3.checksums-when-required", "true");
    properties.put("agp.tiers.vip.clickhouse.url", ClickHouseTestServer.shared().httpUrl());
    properties.put("agp.tiers.default.concurrency", "8");
    properties.put("agp.tiers.vip.concurrency", "6");
    properties.put("agp.worker.poll-interval", "200ms");
    properties.put("logging.level.io.agp", "WARN");
    // The bookkeeper migrates the schema before the others start.
    apps.add(BookkeeperApplication.builder().run(args(properties, Map.of())));
    apps.add(ApiApplication.builder().run(args(properties, Map.of())));
    // Three workers: one serves both tiers, each of the others one tier.
    apps.add(worker(properties, "load-worker-both", "default,vip"));
    apps.add(worker(properties, "load-worker-default", "default"));
    apps.add(worker(properties, "load-worker-vip", "vip"));
    ConfigurableApplicationContext api = apps.get(1);
    int port = ((WebServerApplicationContext) api).getWebServer().getPort();
    client = new ApiClient(path -> URI.create("http://localhost:" + port + path));
    jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl));
  }

  @AfterAll
  void stop() {
    for (ConfigurableApplicationContext app : apps.reversed()) {
      app.close();
    }
  }

  @Test
  void everyExecutionEndsAsExpectedAndEveryResultIsIntact() throws Exception {
    AtomicBoolean loading = new AtomicBoolean(true);
    Instant start = Instant.now();
    TaskPool pollers = new TaskPool(POLLERS);
    for (int i = 0; i < POLLERS; i++) {
      pollers.submit(() -> poll(loading));
    }
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService duplicates = Executors.newVirtualThreadPerTaskExecutor()) {
      TaskPool clients = new TaskPool(CLIENTS);
      for (int c = 0; c < CLIENTS; c++) {
        clients.submit(
            () -> {
              for (int op = next.getAndIncrement(); op < OPERATIONS; op = next.getAndIncrement()) {
                operate(op, duplicates);
              }
            });
      }
      clients.awaitAll(Duration.ofMinutes(20));
    }
    Instant sent = Instant.now();

    await()
        .atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> inFlight() == 0);
    Instant ended = Instant.now();
    loading.set(false);
    pollers.awaitAll(Duration.ofMinutes(1));

    assertThat(problems).as("unexpected answers during the load").isEmpty();

    // The accounting: one row per 201, one collapsed_count per collapsed 200.
    assertThat(created.get() + collapsed.get()).isEqualTo(requests.get());
    assertThat(count("select count(*) from executions")).isEqualTo(created.get());
    assertThat(count("select coalesce(sum(collapsed_count), 0) from executions"))
        .isEqualTo(collapsed.get());
    assertThat(collapsed.get()).as("duplicates collapsed").isPositive();
    assertThat(cancelsAccepted.get()).as("cancels of in-flight executions").isPositive();
    Map<String, Long> apiCounter = apiCreateCounter();
    assertThat(apiCounter.getOrDefault("created", 0L)).isEqualTo(created.get());
    assertThat(apiCounter.getOrDefault("collapsed", 0L)).isEqualTo(collapsed.get());

    // Every execution ended, as its client expects.
    List<Row> rows =
        jdbc.sql(
                "select id, status, error, result_key, result_bytes,"
                    + " result_inline is not null as in_row from executions order by id")
            .query(Row.class)
            .list();
    assertThat(rows.stream().map(Row::id).collect(Collectors.toSet())).isEqualTo(expected.keySet());
    Map<String, Long> byStatus = new TreeMap<>();
    Map<String, Long> expectedByStatus = new TreeMap<>();
    for (Row row : rows) {
      Expectation expectation = expected.get(row.id());
      assertThat(row.status()).as("status of %s", row).isIn(FINAL).isEqualTo(expectation.status());
      if (expectation.errorMarker() != null) {
        assertThat(row.error()).as("error of %s", row).contains(expectation.errorMarker());
      }
      assertThat(row.resultKey() != null)
          .as("result key of %s", row)
          .isEqualTo(row.status().equals("SUCCEEDED"));
      byStatus.merge(row.status(), 1L, Long::sum);
      expectedByStatus.merge(expectation.status(), 1L, Long::sum);
    }
    assertThat(byStatus).isEqualTo(expectedByStatus);

    // Every result downloads intact.
    Instant downloadStart = Instant.now();
    List<Row> succeeded = rows.stream().filter(r -> r.status().equals("SUCCEEDED")).toList();
    TaskPool downloaders = new TaskPool(8);
    AtomicInteger nextDownload = new AtomicInteger();
    for (int d = 0; d < 8; d++) {
      downloaders.submit(
          () -> {
            for (int i = nextDownload.getAndIncrement();
                i < succeeded.size();
                i = nextDownload.getAndIncrement()) {
              verifyDownload(succeeded.get(i));
            }
          });
    }
    downloaders.awaitAll(Duration.ofMinutes(10));
    Duration downloads = Duration.between(downloadStart, Instant.now());

    // The bucket holds the results of the SUCCEEDED executions not kept in their rows, and nothing
    // else.
    Set<String> expectedKeys =
        succeeded.stream()
            .filter(r -> !r.inRow())
            .map(r -> PREFIX + r.resultKey())
            .collect(Collectors.toSet());
    assertThat(new HashSet<>(S3TestServer.shared().keys(BUCKET))).isEqualTo(expectedKeys);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> S3TestServer.shared().pendingMultipartUploads(BUCKET) == 0);

    report(start, sent, ended, downloads, byStatus, succeeded.size());
  }

  /** One client operation: usually one create, a group of concurrent ones for duplicates. */
  private void operate(int op, ExecutorService duplicates) throws Exception {
    String tier = op % 3 == 0 ? "vip" : "default";
    int slot = op % 100;
    if (slot < 2) {
      String sql = longSql(op, "slow");
      createJson(
          op, sql, tier, new Expectation(op, Kind.LONG, "SUCCEEDED", null, csv("4," + op + "\n")));
    } else if (slot == 2) {
      String sql = longSql(op, "canceled");
      long id =
          createJson(
              op, sql, tier, new Expectation(op, Kind.CANCELED, "CANCELED", null, bytes -> {}));
      Thread.sleep(ThreadLocalRandom.current().nextInt(600));
      ApiClient.Reply reply = client.post("/v1/async/executions/" + id + "/cancel");
      if (reply.status() == 200) {
        cancelsAccepted.incrementAndGet();
      } else if (reply.status() == 409) {
        // Ended before the cancel came: it ran to its end like any long query.
        cancelsTooLate.incrementAndGet();
        expected.put(
            id, new Expectation(op, Kind.CANCELED, "SUCCEEDED", null, csv("4," + op + "\n")));
      } else {
        problems.add("cancel of " + id + ": " + reply.status() + " " + reply.text());
      }
    } else if (slot < 8) {
      if (op % 2 == 0) {
        String sql = "SELECT throwIf(number = 2) AS t, " + op + " AS n FROM numbers(5)";
        createJson(op, sql, tier, new Expectation(op, Kind.FAILING, "FAILED", "throwIf", null));
      } else {
        String table = "load_missing_" + op;
        createJson(
            op,
            "SELECT * FROM " + table,
            tier,
            new Expectation(op, Kind.FAILING, "FAILED", table, null));
      }
    } else if (slot == 8) {
      String sql = longSql(op, "duplicate");
      Expectation expectation =
          new Expectation(op, Kind.DUPLICATE, "SUCCEEDED", null, csv("4," + op + "\n"));
      List<Future<Long>> group = new ArrayList<>();
      for (int d = 0; d < DUPLICATES_PER_GROUP; d++) {
        group.add(duplicates.submit(() -> createJson(op, sql, tier, expectation)));
      }
      for (Future<Long> future : group) {
        future.get(2, TimeUnit.MINUTES);
      }
    } else if (op % 2 == 0) {
      // text/plain: the default tier and format (JSON).
      int rows = op % 5 + 1;
      String sql = "SELECT number + " + op + " AS n FROM numbers(" + rows + ")";
      record(
          op,
          client.postSql("/v1/async/executions", sql),
          new Expectation(op, Kind.QUICK, "SUCCEEDED", null, json(op, rows)));
    } else {
      String sql = "SELECT " + op + " AS n, 'load-" + op + "' AS s";
      createJson(
          op,
          sql,
          tier,
          new Expectation(op, Kind.QUICK, "SUCCEEDED", null, csv(op + ",\"load-" + op + "\"\n")));
    }
  }

  private long createJson(int op, String sql, String tier, Expectation expectation) {
    String body = "{\"sql\": \"" + sql + "\", \"tier\": \"" + tier + "\", \"format\": \"CSV\"}";
    return record(op, client.postJson("/v1/async/executions", body), expectation);
  }

  private long record(int op, ApiClient.Reply reply, Expectation expectation) {
    requests.incrementAndGet();
    if (reply.status() != 201 && reply.status() != 200) {
      problems.add("create of op " + op + ": " + reply.status() + " " + reply.text());
      return -1;
    }
    long id = reply.json().get("id").asLong();
    if (reply.status() == 201) {
      created.incrementAndGet();
      createdIds.add(id);
    } else if (reply.json().get("collapsed").asBoolean()) {
      collapsed.incrementAndGet();
    } else {
      problems.add("create of op " + op + ": 200 without collapsing " + reply.text());
    }
    Expectation before = expected.putIfAbsent(id, expectation);
    if (before != null && before.op() != op) {
      problems.add("op " + op + " got execution " + id + " of op " + before.op());
    }
    return id;
  }

  /** A client polling executions by id (and now and then a list) while the load runs. */
  private void poll(AtomicBoolean loading) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (loading.get()) {
      long n = polls.incrementAndGet();
      if (n % 20 == 0) {
        ApiClient.Reply list = client.get("/v1/async/executions?status=RUNNING&limit=20");
        if (list.status() != 200) {
          problems.add("list: " + list.status() + " " + list.text());
        }
        continue;
      }
      long id;
      synchronized (createdIds) {
        if (createdIds.isEmpty()) {
          Thread.onSpinWait();
          continue;
        }
        id = createdIds.get(random.nextInt(createdIds.size()));
      }
      // Pollers run side by side: an answer counts against a final status only if its request
      // left after another poller had received that final status.
      long sent = System.nanoTime();
      ApiClient.Reply reply = client.get("/v1/async/executions/" + id);
      if (reply.status() != 200) {
        problems.add("get " + id + ": " + reply.status() + " " + reply.text());
        continue;
      }
      String status = reply.json().get("status").asString();
      Seen seen = finalSeen.get(id);
      if (seen != null && seen.nanos() < sent && !seen.status().equals(status)) {
        problems.add("execution " + id + " was " + seen.status() + ", then " + status);
      } else if (FINAL.contains(status)) {
        finalSeen.putIfAbsent(id, new Seen(status, System.nanoTime()));
      } else if (!status.equals("PENDING") && !status.equals("RUNNING")) {
        problems.add("execution " + id + " is " + status);
      }
    }
  }

  private void verifyDownload(Row row) {
    HttpResponse<InputStream> download =
        client.download("/v1/async/executions/" + row.id() + "/result");
    byte[] body;
    try (InputStream in = download.body()) {
      body = in.readAllBytes();
    } catch (Exception e) {
      throw new IllegalStateException("download of " + row, e);
    }
    assertThat(download.statusCode()).as("download of %s", row).isEqualTo(200);
    assertThat((long) body.length).as("bytes of %s", row).isEqualTo(row.resultBytes());
    expected.get(row.id()).content().accept(body);
  }

  private static Consumer<byte[]> csv(String expected) {
    return body -> assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(expected);
  }

  private static Consumer<byte[]> json(int op, int rows) {
    return body -> {
      JsonNode result = JSON.readTree(body);
      assertThat(result.get("rows").asInt()).isEqualTo(rows);
      assertThat(result.get("data")).hasSize(rows);
      for (int i = 0; i < rows; i++) {
        assertThat(result.get("data").get(i).get("n").asString()).isEqualTo(Long.toString(op + i));
      }
    };
  }

  /**
   * @param inRow whether the result is kept in the row (a small one), with no object in the store
   */
  private record Row(
      long id, String status, String error, String resultKey, Long resultBytes, boolean inRow) {}

  private long inFlight() {
    return count("select count(*) from executions where status in ('PENDING', 'RUNNING')");
  }

  private long count(String sql) {
    return jdbc.sql(sql).query(Long.class).single();
  }

  /** The API's own counter of create requests, by outcome, summed over the tiers. */
  private Map<String, Long> apiCreateCounter() {
    Map<String, Long> byOutcome = new HashMap<>();
    for (String line : client.get("/actuator/prometheus").text().split("\n")) {
      if (line.startsWith("agp_api_executions_total{")) {
        int at = line.indexOf("outcome=\"") + "outcome=\"".length();
        String outcome = line.substring(at, line.indexOf('"', at));
        long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        byOutcome.merge(outcome, value, Long::sum);
      }
    }
    return byOutcome;
  }

  private void report(
      Instant start,
      Instant sent,
      Instant ended,
      Duration downloads,
      Map<String, Long> byStatus,
      int downloaded)
      throws Exception {
    double sending = Duration.between(start, sent).toMillis() / 1000.0;
    double wall = Duration.between(start, ended).toMillis() / 1000.0;
    List<String> lines = new ArrayList<>();
    lines.add(
        "load test, "
            + Instant.now()
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cores");
    lines.add(
        String.format(
            "operations %d, create requests %d (%d clients, %d pollers), tiers default + vip,"
                + " 3 workers, S3 result store",
            OPERATIONS, requests.get(), CLIENTS, POLLERS));
    lines.add(
        String.format(
            "executions %d, collapsed %d, cancels accepted %d (too late %d), by status %s",
            created.get(), collapsed.get(), cancelsAccepted.get(), cancelsTooLate.get(), byStatus));
    lines.add(
        String.format(
            "create requests sent in %.1f s: %.0f creates/s", sending, requests.get() / sending));
    lines.add(
        String.format(
            "wall time to all final %.1f s: %.0f executions completed/s",
            wall, created.get() / wall));
    lines.add(String.format("polls during the load %d", polls.get()));
    lines.add(
        String.format(
            "%d results downloaded and checked in %.1f s: %.0f/s",
            downloaded,
            downloads.toMillis() / 1000.0,
            downloaded / Math.max(0.001, downloads.toMillis() / 1000.0)));
    lines.forEach(System.out::println);
    Files.write(Path.of("target", "load-figures.txt"), lines);
  }

  private static ConfigurableApplicationContext worker(
      Map<String, Object> properties, String id, String tiers) {
    return WorkerApplication.builder()
        .run(args(properties, Map.of("agp.worker.id", id, "agp.worker.tiers", tiers)));
  }

  private static String[] args(Map<String, Object> properties, Map<String, String> extra) {
    Map<String, Object> all = new HashMap<>(properties);
    all.putAll(extra);
    return TestServerProperties.toArgs(all);
  }

  /** A fixed pool whose tasks' failures fail the test. */
  private static final class TaskPool {
    private final ExecutorService pool;
    private final List<Future<?>> tasks = new ArrayList<>();

    TaskPool(int threads) {
      pool = Executors.newFixedThreadPool(threads);
    }

    void submit(Task task) {
      tasks.add(
          pool.submit(
              () -> {
                task.run();
                return null;
              }));
    }

    void awaitAll(Duration limit) throws Exception {
      pool.shutdown();
      assertThat(pool.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      for (Future<?> task : tasks) {
        task.get();
      }
    }
  }

  @FunctionalInterface
  private interface Task {
    void run() throws Exception;
  }
}
