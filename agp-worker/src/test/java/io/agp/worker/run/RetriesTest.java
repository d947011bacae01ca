package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Query errors fail at once; transient failures before any row go back to the queue until the
 * attempts run out, and the final error tells each attempt's reason.
 */
class RetriesTest {

  private static WorkerStack stack;

  /** Stands for a load balancer in front of a ClickHouse cluster that has no healthy node. */
  private static HttpServer unavailable;

  private static final AtomicInteger unavailableRequests = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    unavailable = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    unavailable.createContext(
        "/",
        exchange -> {
          unavailableRequests.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          byte[] body = "no healthy upstream".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(503, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    unavailable.start();
    Map<String, Object> properties = new HashMap<>();
    properties.put(
        "agp.results.location", Files.createTempDirectory("agp-retries").toUri().toString());
    properties.put("agp.tiers.closed.clickhouse.url", "http://127.0.0.1:" + closedPort() + "/");
    properties.put(
        "agp.tiers.busy.clickhouse.url",
        "http://127.0.0.1:" + unavailable.getAddress().getPort() + "/");
    stack = WorkerStack.start(properties);
  }

  @AfterAll
  static void stop() {
    stack.close();
    unavailable.stop(0);
  }

  @Test
  void aQueryErrorFailsAtOnceWithoutRetry() {
    Execution done = stack.awaitEnd(stack.create("SELECT * FROM no_such_table", "JSON", "default"));

    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.error()).startsWith("Code: 60.").contains("no_such_table");
  }

  @Test
  void aRefusedConnectionIsRetriedUntilTheAttemptsRunOutThenFailsWithEachReason() {
    Execution done =
        stack.awaitEnd(stack.create("SELECT 1", "JSON", "closed", "tester", Map.of(), 3));

    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.attempt()).isEqualTo(3);
    assertThat(done.error())
        .matches(
            "attempt 1: cannot reach ClickHouse .*connection refused; "
                + "attempt 2: cannot reach ClickHouse .*connection refused; "
                + "attempt 3: cannot reach ClickHouse .*connection refused");
  }

  @Test
  void anUnavailableServerIsRetriedUntilTheAttemptsRunOut() {
    int before = unavailableRequests.get();

    Execution done =
        stack.awaitEnd(stack.create("SELECT 1", "JSON", "busy", "tester", Map.of(), 2));

    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.error())
        .matches(
            "attempt 1: HTTP 503: no healthy upstream; attempt 2: HTTP 503: no healthy upstream");
    assertThat(unavailableRequests.get() - before).isEqualTo(2);
  }

  @Test
  void theBackoffDoublesWithEachAttempt() {
    FailurePolicy policy = new FailurePolicy(Duration.ofMillis(50));

    assertThat(policy.backoff(1)).hasMillis(50);
    assertThat(policy.backoff(2)).hasMillis(100);
    assertThat(policy.backoff(3)).hasMillis(200);
    assertThat(policy.backoff(100)).hasMillis(50 * 64);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
