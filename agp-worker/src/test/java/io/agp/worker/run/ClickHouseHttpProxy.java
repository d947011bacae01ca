package io.agp.worker.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * An HTTP proxy in front of the test ClickHouse that sees each statement: it records them, can hold
 * the progress queries ({@code system.processes}) for a while, and can add headers to answers or
 * change their bodies, as another server would send them. Answers are passed on whole, so it suits
 * small ones.
 */
final class ClickHouseHttpProxy implements AutoCloseable {

  private final HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Duration progressDelay;
  private final Function<String, Map<String, String>> extraHeaders;
  private final BiFunction<String, byte[], byte[]> bodies;
  private final ConcurrentLinkedQueue<String> statements = new ConcurrentLinkedQueue<>();
  private final AtomicInteger progressInFlight = new AtomicInteger();
  private final AtomicInteger mostProgressInFlight = new AtomicInteger();

  /**
   * @param progressDelay how long each progress query is held before it is passed on
   * @param extraHeaders headers to add to the answer of a statement (given its text)
   */
  ClickHouseHttpProxy(Duration progressDelay, Function<String, Map<String, String>> extraHeaders)
      throws IOException {
    this(progressDelay, extraHeaders, (sql, body) -> body);
  }

  /**
   * @param bodies the body to answer a statement with (given its text and ClickHouse's answer)
   */
  ClickHouseHttpProxy(
      Duration progressDelay,
      Function<String, Map<String, String>> extraHeaders,
      BiFunction<String, byte[], byte[]> bodies)
      throws IOException {
    this.progressDelay = progressDelay;
    this.extraHeaders = extraHeaders;
    this.bodies = bodies;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::forward);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** The statements passed so far, in order. */
  List<String> statements() {
    return List.copyOf(statements);
  }

  /** The most progress queries that were under way at once. */
  int mostProgressQueriesAtOnce() {
    return mostProgressInFlight.get();
  }

  static boolean isProgressQuery(String statement) {
    return statement.contains("system.processes");
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String sql = new String(body, StandardCharsets.UTF_8);
      statements.add(sql);
      boolean progress = isProgressQuery(sql);
      if (progress) {
        mostProgressInFlight.accumulateAndGet(progressInFlight.incrementAndGet(), Math::max);
      }
      try {
        if (progress && !progressDelay.isZero()) {
          Thread.sleep(progressDelay);
        }
        pass(exchange, body, sql);
      } finally {
        if (progress) {
          progressInFlight.decrementAndGet();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pass(HttpExchange exchange, byte[] body, String sql)
      throws IOException, InterruptedException {
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
    if (response.statusCode() == 200) {
      extraHeaders
          .apply(sql)
          .forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    }
    byte[] answer =
        response.statusCode() == 200 ? bodies.apply(sql, response.body()) : response.body();
    exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
