package io.agp.api.interactive;

import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The ClickHouse proxy against ClickHouse's own interface, side by side and alternating so that a
 * busy machine weighs on both alike: the latency the proxy adds to {@code SELECT 1} (one kept-alive
 * connection each, as a dashboard's client holds), and the time of a result of about 1 GB fetched
 * by curl either way. Run with {@code bench/proxy/run.sh}; figures go to stdout and {@code
 * target/bench-proxy.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyBenchmark {

  /** About 100 bytes a row in CSV, as in the worker's streaming benchmark. */
  private static final String LARGE =
      "SELECT number, toString(number * 7919) AS a, toString(number % 1000) AS b,"
          + " 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' AS c"
          + " FROM system.numbers LIMIT 10000000 FORMAT CSV";

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--logging.level.io.agp=WARN");
  private final List<String> report = new ArrayList<>();

  @AfterAll
  void stop() throws Exception {
    api.context.close();
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-proxy.txt"), report);
  }

  @Test
  void selectOneLatencyAddedByTheProxy() throws Exception {
    URI direct = URI.create(clickhouse.httpUrl() + "?query=SELECT%201");
    URI proxied = api.url("/v1/chproxy/?query=SELECT%201");
    HttpClient directClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpClient proxyClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int batches = Integer.getInteger("agp.bench.batches", 40);
    int perBatch = 100;
    // Warm-up: the JIT, the pools, ClickHouse's caches.
    for (int i = 0; i < 3000; i++) {
      get(directClient, direct);
      get(proxyClient, proxied);
    }
    long[] directNanos = new long[batches * perBatch];
    long[] proxyNanos = new long[batches * perBatch];
    int n = 0;
    for (int batch = 0; batch < batches; batch++) {
      for (int i = 0; i < perBatch; i++, n++) {
        directNanos[n] = get(directClient, direct);
        proxyNanos[n] = get(proxyClient, proxied);
      }
    }
    java.util.Arrays.sort(directNanos);
    java.util.Arrays.sort(proxyNanos);
    double directP50 = percentile(directNanos, 0.50);
    double proxyP50 = percentile(proxyNanos, 0.50);
    report.add(
        ("SELECT 1, %d requests each, alternating: ClickHouse direct p50 %.2f ms, p99 %.2f ms;"
                + " through the proxy p50 %.2f ms, p99 %.2f ms; added p50 %.2f ms, p99 %.2f ms")
            .formatted(
                n,
                directP50,
                percentile(directNanos, 0.99),
                proxyP50,
                percentile(proxyNanos, 0.99),
                proxyP50 - directP50,
                percentile(proxyNanos, 0.99) - percentile(directNanos, 0.99)));
  }

  @Test
  void aGigabyteThroughTheProxyAgainstDirect() throws Exception {
    String body = URLEncoder.encode(LARGE, StandardCharsets.UTF_8);
    String direct = clickhouse.httpUrl() + "?query=" + body;
    String proxied = api.url("/v1/chproxy/?query=" + body).toString();
    int rounds = Integer.getInteger("agp.bench.rounds", 5);
    curl(direct);
    curl(proxied);
    List<Double> ratios = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      Curl d = curl(direct);
      Curl p = curl(proxied);
      double ratio = (p.bytes / p.seconds) / (d.bytes / d.seconds);
      ratios.add(ratio);
      if (d.bytes != p.bytes) {
        throw new IllegalStateException(
            "the proxy sent " + p.bytes + " bytes, ClickHouse " + d.bytes);
      }
      report.add(
          "1 GB CSV, round %d: direct %.2f s (%.0f MB/s), proxy %.2f s (%.0f MB/s), %,d bytes: throughput ratio %.2f"
              .formatted(
                  round,
                  d.seconds,
                  d.bytes / d.seconds / 1e6,
                  p.seconds,
                  p.bytes / p.seconds / 1e6,
                  p.bytes,
                  ratio));
    }
    report.add(
        "1 GB CSV: median throughput ratio proxy / direct %.2f over %d rounds"
            .formatted(median(ratios), rounds));
  }

  private static long get(HttpClient client, URI uri) throws Exception {
    long start = System.nanoTime();
    HttpResponse<byte[]> response =
        client.send(
            HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    long took = System.nanoTime() - start;
    if (response.statusCode() != 200) {
      throw new IllegalStateException(uri + " answered " + response.statusCode());
    }
    return took;
  }

  private static double percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(middle)
        : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  private record Curl(double seconds, long bytes) {}

  /** Curl's own time from its start to the last byte, and the bytes it took. */
  private static Curl curl(String url) throws Exception {
    Process process =
        new ProcessBuilder(
                "curl",
                "-s",
                "-S",
                "-f",
                "-o",
                "/dev/null",
                "-w",
                "%{time_total} %{size_download}",
                url)
            .redirectErrorStream(true)
            .start();
    String out =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (process.waitFor() != 0) {
      throw new IllegalStateException("curl failed: " + out);
    }
    String[] parts = out.split(" ");
    return new Curl(Double.parseDouble(parts[0]), Long.parseLong(parts[1]));
  }
}
