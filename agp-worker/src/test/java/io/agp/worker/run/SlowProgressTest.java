package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A ClickHouse that is slow to say how far a query got (overloaded, or frozen for a while) must not
 * hold up the lease renewals: otherwise the bookkeeper would take the executions away from a
 * healthy worker and run them again.
 */
class SlowProgressTest {

  private static final Duration PROGRESS_DELAY = Duration.ofSeconds(10);

  private static WorkerStack stack;

  /** Passes everything to the test ClickHouse, but holds each progress query for a while. */
  private static HttpServer proxy;

  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    proxy.createContext("/", SlowProgressTest::forward);
    proxy.start();
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-slow-progress").toUri().toString(),
                "agp.tiers.default.clickhouse.url",
                "http://127.0.0.1:" + proxy.getAddress().getPort() + "/",
                "agp.tiers.default.lease",
                "2s",
                "agp.tiers.default.heartbeat-interval",
                "200ms"));
  }

  @AfterAll
  static void stop() {
    stack.close();
    proxy.stop(0);
  }

  @Test
  void leasesAreRenewedWhileClickHouseIsSlowToReportProgress() {
    long id =
        stack.create(
            "SELECT count() FROM (SELECT number FROM numbers(8) WHERE sleepEachRow(0.5) = 0"
                + " SETTINGS max_block_size = 1)",
            "JSON",
            "default");
    Execution claimed = stack.awaitStatus(id, ExecutionStatus.RUNNING, Duration.ofSeconds(30));
    Instant firstLease = claimed.leaseExpiresAt();

    // Every progress query waits ten seconds, the lease is two: only renewals that do not wait
    // for the progress keep it ahead.
    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> stack.get(id),
            e ->
                e.status() == ExecutionStatus.RUNNING
                    && e.leaseExpiresAt().isAfter(firstLease.plusSeconds(1)));

    Execution done = stack.awaitEnd(id);
    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(1);
  }

  private static void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String sql =
          new String(body, StandardCharsets.UTF_8) + " " + exchange.getRequestURI().getQuery();
      if (sql.contains("system.processes")) {
        Thread.sleep(PROGRESS_DELAY);
      }
      String rawQuery = exchange.getRequestURI().getRawQuery();
      URI target =
          URI.create(
              ClickHouseTestServer.shared().httpUrl()
                  + exchange.getRequestURI().getRawPath().substring(1)
                  + (rawQuery == null ? "" : "?" + rawQuery));
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target)
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (name.regionMatches(true, 0, "X-ClickHouse", 0, 12)
                    || name.equalsIgnoreCase("Authorization")
                    || name.equalsIgnoreCase("Content-Type")) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (name.regionMatches(true, 0, "X-ClickHouse", 0, 12)
                    || name.equalsIgnoreCase("Content-Type")) {
                  exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
              });
      byte[] answer = response.body();
      exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
