package io.agp.it;

import static org.awaitility.Awaitility.await;

import io.agp.results.ResultStore;
import io.agp.results.RowIndex;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Pages of 100 rows from a 10 M-row CSV result (about 930 MB) stored by the worker, uncompressed,
 * zstd and gzip, at the start, the middle, the end and random offsets: the answer's time seen by a
 * client, p50 and p99, against the bound of 20 ms at p50. Then what the row index costs the worker:
 * the same result stored with the index's spacing at 64 KB, 256 KB, 1 MB and without an index (time
 * from the database's clock and stored bytes), and a page of a result without index. Run with
 * {@code bench/rows/run.sh}; figures go to stdout and {@code target/bench-rows.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowPagesBenchmark {

  /** About 93 bytes a row in CSV, as in the worker's streaming benchmark. */
  private static final String SQL =
      "SELECT number, toString(number * 7919) AS a, toString(number %% 1000) AS b,"
          + " 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' AS c"
          + " FROM system.numbers LIMIT %d";

  private static final long ROWS = Long.getLong("agp.bench.rows", 10_000_000L);
  private static final int PAGES = Integer.getInteger("agp.bench.pages", 200);
  private static final double BOUND_MS = 20;

  private final AgpStack stack;
  private final ApiClient client;
  private final List<String> report = new ArrayList<>();
  private final List<String> missed = new ArrayList<>();

  RowPagesBenchmark() throws Exception {
    Map<String, Object> properties = new HashMap<>();
    properties.put(
        "agp.results.location", Files.createTempDirectory("agp-bench-rows").toUri().toString());
    properties.put("logging.level.io.agp", "WARN");
    String url = ClickHouseTestServer.shared().httpUrl().toString();
    // tier name -> compression, spacing
    String[][] tiers = {
      {"none", "none", "256KB"},
      {"none0", "none", "0"},
      {"zstd", "zstd", "256KB"},
      {"zstd64k", "zstd", "64KB"},
      {"zstd1m", "zstd", "1MB"},
      {"zstd0", "zstd", "0"},
      {"gzip", "gzip", "256KB"},
      {"gzip0", "gzip", "0"}
    };
    for (String[] tier : tiers) {
      properties.put("agp.tiers." + tier[0] + ".clickhouse.url", url);
      properties.put("agp.tiers." + tier[0] + ".result-compression", tier[1]);
      properties.put("agp.tiers." + tier[0] + ".row-index-spacing", tier[2]);
      properties.put("agp.tiers." + tier[0] + ".max-run-time", "1h");
    }
    stack = AgpStack.start(properties);
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() throws Exception {
    stack.close();
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-rows.txt"), report);
  }

  private record Stored(String location, long bytes, double seconds, String key) {}

  private Stored store(String tier, long rows) {
    ApiClient.Reply created =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"%s -- %s\", \"format\": \"CSV\", \"tier\": \"%s\"}"
                .formatted(SQL.formatted(rows), System.nanoTime(), tier));
    JsonNode done =
        await()
            .atMost(Duration.ofMinutes(10))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () -> client.get(created.location()).json(),
                json -> !json.get("status").asString().matches("PENDING|RUNNING"));
    if (!done.get("status").asString().equals("SUCCEEDED")) {
      throw new IllegalStateException("benchmark execution failed: " + done);
    }
    double seconds =
        Duration.between(
                    java.time.Instant.parse(done.get("created_at").asString()),
                    java.time.Instant.parse(done.get("completed_at").asString()))
                .toNanos()
            / 1e9;
    long id = Long.parseLong(created.location().substring(created.location().lastIndexOf('/') + 1));
    String key =
        JdbcClient.create(PostgresTestServer.shared().dataSource(stack.jdbcUrl()))
            .sql("select result_key from executions where id = :id")
            .param("id", id)
            .query(String.class)
            .single();
    return new Stored(created.location(), done.get("result").get("bytes").asLong(), seconds, key);
  }

  private void delete(Stored stored) throws Exception {
    ResultStore results = stack.apiBean(ResultStore.class);
    results.delete(RowIndex.keyFor(stored.key()));
    results.delete(stored.key());
  }

  private double pageMillis(Stored stored, long offset) {
    long start = System.nanoTime();
    ApiClient.Reply page = client.get(stored.location() + "/rows?offset=" + offset + "&limit=100");
    double millis = (System.nanoTime() - start) / 1e6;
    JsonNode json = page.json();
    long expected = Math.min(100, ROWS - offset);
    if (page.status() != 200 || json.get("rows").size() != expected) {
      throw new IllegalStateException("bad page at " + offset + ": " + page.status());
    }
    if (expected > 0 && Long.parseLong(json.get("rows").get(0).get(0).asString()) != offset) {
      throw new IllegalStateException(
          "page at " + offset + " starts at " + json.get("rows").get(0));
    }
    return millis;
  }

  private static double percentile(List<Double> values, double p) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
  }

  @Test
  void pagesFromAnyOffsetAndWhatTheIndexCosts() throws Exception {
    store("none", 100_000); // warm-up of the worker
    for (String tier : new String[] {"none", "zstd", "gzip"}) {
      Stored stored = store(tier, ROWS);
      report.add(
          "%s: %,d rows CSV stored in %.2f s, %,d bytes"
              .formatted(tier, ROWS, stored.seconds(), stored.bytes()));
      for (int i = 0; i < 100; i++) {
        pageMillis(stored, (i * 7_777_777L) % ROWS);
      }
      Random random = new Random(42);
      Map<String, Long> offsets = new java.util.LinkedHashMap<>();
      offsets.put("start", 0L);
      offsets.put("middle", ROWS / 2);
      offsets.put("end", ROWS - 100);
      offsets.put("random", -1L);
      for (Map.Entry<String, Long> where : offsets.entrySet()) {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < PAGES; i++) {
          long offset =
              where.getValue() >= 0
                  ? where.getValue()
                  : (long) (random.nextDouble() * (ROWS - 100));
          millis.add(pageMillis(stored, offset));
        }
        double p50 = percentile(millis, 0.5);
        String verdict = p50 <= BOUND_MS ? "met" : "MISSED";
        if (p50 > BOUND_MS) {
          missed.add(tier + " " + where.getKey());
        }
        report.add(
            "  page of 100 rows at the %s: p50 %.2f ms, p99 %.2f ms over %d (bound %.0f ms at p50: %s)"
                .formatted(
                    where.getKey(), p50, percentile(millis, 0.99), PAGES, BOUND_MS, verdict));
      }
      delete(stored);
    }

    // What the index costs the worker, alternating so that a busy machine weighs on all alike.
    String[] spacings = {"none0", "none", "zstd0", "zstd64k", "zstd", "zstd1m"};
    Map<String, List<Double>> seconds = new java.util.LinkedHashMap<>();
    Map<String, Long> bytes = new HashMap<>();
    int rounds = Integer.getInteger("agp.bench.rounds", 3);
    for (int round = 0; round < rounds; round++) {
      for (String tier : spacings) {
        Stored stored = store(tier, ROWS);
        seconds.computeIfAbsent(tier, t -> new ArrayList<>()).add(stored.seconds());
        bytes.put(tier, stored.bytes());
        if (round == rounds - 1 && tier.endsWith("0")) {
          // A result without index: pages are read from the start.
          List<Double> millis = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            millis.add(pageMillis(stored, ROWS / 2));
          }
          report.add(
              "%s (no index): page of 100 rows at the middle %.0f ms (median of 3)"
                  .formatted(tier, percentile(millis, 0.5)));
        }
        delete(stored);
      }
    }
    for (String tier : spacings) {
      report.add(
          "stored by the worker, tier %s: median %.2f s over %d rounds %s, %,d bytes"
              .formatted(
                  tier,
                  percentile(seconds.get(tier), 0.5),
                  rounds,
                  seconds.get(tier).stream().map("%.2f"::formatted).toList(),
                  bytes.get(tier)));
    }
    Stored gzip0 = store("gzip0", ROWS);
    report.add(
        "stored by the worker, tier gzip0: %.2f s, %,d bytes (gzip with index: see above)"
            .formatted(gzip0.seconds(), gzip0.bytes()));
    delete(gzip0);
    report.add(missed.isEmpty() ? "all pages within the bound" : "bound MISSED: " + missed);
  }
}
