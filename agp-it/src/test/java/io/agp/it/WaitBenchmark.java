package io.agp.it;

import static org.awaitility.Awaitility.await;

import io.agp.api.ApiApplication;
import io.agp.execution.ExecutionHop;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What waiting costs: the answer time of {@code POST /executions?wait=10} of {@code SELECT 1}
 * through the API and a worker, and what many requests waiting at once cost PostgreSQL. Run with
 * {@code bench/api/wait.sh} (it sets {@code -Dagp.bench=true}); figures go to stdout and {@code
 * target/bench-wait.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WaitBenchmark {

  // Enough for the JIT to compile the request path on a 2-core VM: with 100, the first figures
  // of a run came out 3 to 5 ms slower at p50.
  private static final int WARM_UP = 1000;
  private static final int CREATES = Integer.getInteger("agp.bench.creates", 500);
  private static final int WAITERS = Integer.getInteger("agp.bench.waiters", 2000);
  private static final Duration WINDOW = Duration.ofSeconds(30);
  private static final Duration STATS_SETTLE = Duration.ofSeconds(15);

  private final List<String> report = new ArrayList<>();

  @AfterAll
  void stop() throws Exception {
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-wait.txt"), report);
  }

  @Test
  void createWithWaitOfSelectOne() throws Exception {
    try (AgpStack stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-bench").toUri().toString(),
                "agp.tiers.default.concurrency",
                "8",
                "logging.level.io.agp",
                "WARN"))) {
      ApiClient client = new ApiClient(stack::apiUrl);
      for (int i = 0; i < WARM_UP; i++) {
        client.postSql("/v1/async/executions?wait=10", "SELECT 1 AS warm" + i);
      }
      List<Double> millis = new ArrayList<>();
      List<Run> created = new ArrayList<>();
      Queue<Hop> hops = new ConcurrentLinkedQueue<>();
      try (RecordingStream recording = new RecordingStream()) {
        recording.enable(ExecutionHop.NAME);
        recording.onEvent(
            ExecutionHop.NAME,
            event ->
                hops.add(
                    new Hop(
                        event.getLong("execution"),
                        event.getString("step"),
                        event.getStartTime())));
        recording.startAsync();
        for (int i = 0; i < CREATES; i++) {
          Instant sent = Instant.now();
          long started = System.nanoTime();
          ApiClient.Reply reply =
              client.postSql("/v1/async/executions?wait=10", "SELECT 1 AS waited" + i);
          millis.add((System.nanoTime() - started) / 1e6);
          Instant received = Instant.now();
          if (!reply.json().get("status").asString().equals("SUCCEEDED")) {
            throw new AssertionError("not SUCCEEDED after the wait: " + reply.text());
          }
          created.add(new Run(reply.json().get("id").asLong(), sent, received));
        }
        // The stream hands events over about once a second.
        Thread.sleep(2500);
      }
      report.addAll(hopTable(created, new ArrayList<>(hops)));
      millis.sort(null);
      report.add(
          "create?wait=10 of SELECT 1, answered SUCCEEDED, %d runs one after the other: p50 %.1f ms,"
                  .formatted(millis.size(), pct(millis, 50))
              + " p99 %.1f ms, max %.1f ms".formatted(pct(millis, 99), millis.getLast()));
      // Where the answer's time goes, from the database's clock: the claim, then the run (the
      // query, the store, the completion); the rest is the API's insert and its wake-up.
      JdbcClient jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(stack.jdbcUrl()));
      List<Double> claims = stageMillis(jdbc, "picked_at - created_at");
      List<Double> runs = stageMillis(jdbc, "completed_at - picked_at");
      report.add(
          "  of which, p50 from the database's clock: created -> claimed %.1f ms, claimed -> SUCCEEDED %.1f ms"
              .formatted(pct(claims, 50), pct(runs, 50)));
    }
  }

  @Test
  void manyWaitersCostPostgresAlmostNothing() throws Exception {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = new HashMap<>(TestServerProperties.forDatabase(jdbcUrl));
    properties.put("agp.api.max-watchers", Integer.toString(WAITERS + 100));
    // One client holds them all: the instance's bound is measured, not a user's.
    properties.put("agp.api.per-user.waits", "0");
    // Longer than the settling and the window: no wait ends while it is measured.
    properties.put("agp.api.max-wait", "120s");
    properties.put("logging.level.io.agp", "WARN");
    properties.put("server.tomcat.max-connections", Integer.toString(WAITERS + 1000));
    // No worker: the executions stay PENDING, so that nothing but the waits touches the database.
    ConfigurableApplicationContext api =
        ApiApplication.builder().run(TestServerProperties.toArgs(properties));
    try {
      JdbcClient jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl));
      int port = ((WebServerApplicationContext) api).getWebServer().getPort();
      jdbc.sql(
              """
              insert into executions (query_id, query_hash, sql, format, tier, created_by)
              select 'w-' || n, 'h', 'SELECT ' || n, 'JSON', 'default', 'bench'
              from generate_series(1, :n) n
              """)
          .param("n", WAITERS)
          .update();
      List<Long> ids = jdbc.sql("select id from executions order by id").query(Long.class).list();

      Thread.sleep(STATS_SETTLE);
      double idle = transactionsPerSecond(jdbc, WINDOW);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<CompletableFuture<HttpResponse<Void>>> waiting = new ArrayList<>();
      for (long id : ids) {
        waiting.add(
            http.sendAsync(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://localhost:"
                                + port
                                + "/v1/async/executions/"
                                + id
                                + "?wait=120"))
                    .build(),
                HttpResponse.BodyHandlers.discarding()));
      }
      // Measure once every request waits (the API's gauge of waiting requests says so).
      MeterRegistry meters = api.getBean(MeterRegistry.class);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> meters.get("agp.api.watchers").gauge().value() >= ids.size());
      // Sessions report their counts to pg_stat_database when idle for a while (10 s): the reads
      // that started the waits would otherwise be counted in the window.
      Thread.sleep(STATS_SETTLE);
      double busy = transactionsPerSecond(jdbc, WINDOW);
      waiting.forEach(f -> f.cancel(true));
      report.add(
          "%d requests waiting at once (get?wait=120 of PENDING executions): PostgreSQL"
                  .formatted(ids.size())
              + " transactions/s %.1f with them, %.1f without (idle API), so %.1f/s for the waits"
                  .formatted(busy, idle, busy - idle));
    } finally {
      api.close();
    }
  }

  /** Transactions committed or rolled back in the database per second over {@code window}. */
  private static double transactionsPerSecond(JdbcClient jdbc, Duration window)
      throws InterruptedException {
    String count =
        "select xact_commit + xact_rollback from pg_stat_database"
            + " where datname = current_database()";
    long before = jdbc.sql(count).query(Long.class).single();
    Thread.sleep(window);
    // pg_stat_database is updated when sessions report, at least every second or so.
    long after = jdbc.sql(count).query(Long.class).single();
    // The two reads themselves are transactions too.
    return (after - before - 1) / (double) window.toSeconds();
  }

  private static List<Double> stageMillis(JdbcClient jdbc, String interval) {
    return jdbc.sql(
            "select extract(epoch from "
                + interval
                + ") * 1000 from executions where sql like 'SELECT 1 AS waited%' order by 1")
        .query(Double.class)
        .list();
  }

  /**
   * One create?wait: the execution, and the client's clock when it sent and when it had the answer.
   */
  private record Run(long id, Instant sent, Instant received) {}

  /** A step recorded by an app (see {@link ExecutionHop}). */
  private record Hop(long execution, String step, Instant at) {}

  /**
   * Where the time of each create?wait went, hop by hop: for each run, the steps of its execution
   * in the order below, the wake-up of the worker and the notification of new executions (which
   * name no execution) taken as the first after the create, and the gap between each step and the
   * one before it. A run missing a step (a worker woken by its poll, a wait answered by the safety
   * poll) is left out of that step's row and the next.
   */
  private static List<String> hopTable(List<Run> runs, List<Hop> hops) {
    String[] steps = {
      "api.created",
      "notified",
      "worker.woken",
      "worker.claimed",
      "worker.answered",
      "worker.stored",
      "worker.completed",
      "notified",
      "api.woken",
      "api.read",
      "api.answered"
    };
    String[] names = {
      "request -> create committed (API)",
      "-> PENDING notification sent",
      "-> worker woken",
      "-> claimed",
      "-> ClickHouse answered (headers)",
      "-> result stored",
      "-> completion committed",
      "-> change notification sent",
      "-> API woken",
      "-> execution read",
      "-> answer written (API)",
      "-> answer read by the client"
    };
    Map<Long, List<Hop>> byExecution = new HashMap<>();
    List<Hop> shared = new ArrayList<>();
    for (Hop hop : hops) {
      if (hop.execution() == 0) {
        shared.add(hop);
      } else {
        byExecution.computeIfAbsent(hop.execution(), id -> new ArrayList<>()).add(hop);
      }
    }
    List<List<Double>> gaps = new ArrayList<>();
    for (int i = 0; i <= steps.length; i++) {
      gaps.add(new ArrayList<>());
    }
    int complete = 0;
    for (Run run : runs) {
      List<Hop> own = byExecution.getOrDefault(run.id(), List.of());
      Instant previous = run.sent();
      boolean whole = true;
      for (int i = 0; i < steps.length; i++) {
        Instant at = find(i == 1 || i == 2 ? shared : own, steps[i], previous);
        if (at == null) {
          whole = false;
          previous = null;
          break;
        }
        gaps.get(i).add(Duration.between(previous, at).toNanos() / 1e6);
        previous = at;
      }
      if (previous != null) {
        gaps.get(steps.length).add(Duration.between(previous, run.received()).toNanos() / 1e6);
      }
      complete += whole ? 1 : 0;
    }
    List<String> table = new ArrayList<>();
    table.add(
        "  hop by hop (ExecutionHop events, %d of %d runs with every step), p50 / p99 ms:"
            .formatted(complete, runs.size()));
    double sum = 0;
    for (int i = 0; i < names.length; i++) {
      List<Double> gap = gaps.get(i);
      gap.sort(null);
      if (gap.isEmpty()) {
        table.add("    %-36s (not seen)".formatted(names[i]));
        continue;
      }
      sum += pct(gap, 50);
      table.add("    %-36s %6.2f / %6.2f".formatted(names[i], pct(gap, 50), pct(gap, 99)));
    }
    table.add("    %-36s %6.2f".formatted("sum of the p50s", sum));
    return table;
  }

  /** The first step of that name at or after {@code from}, or null. */
  private static Instant find(List<Hop> hops, String step, Instant from) {
    Instant best = null;
    for (Hop hop : hops) {
      if (hop.step().equals(step)
          && !hop.at().isBefore(from)
          && (best == null || hop.at().isBefore(best))) {
        best = hop.at();
      }
    }
    return best;
  }

  private static double pct(List<Double> sorted, int percentile) {
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.clamp(index, 0, sorted.size() - 1));
  }
}
