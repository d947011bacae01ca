package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Completion callbacks through the whole stack: a create through the API names a receiver (here on
 * 127.0.0.1, allow-listed), the worker ends the execution on ClickHouse, the bookkeeper calls the
 * receiver back, and the API shows where the delivery stands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompletionCallbackTest {

  private static final String SECRET = "an-end-to-end-callback-secret-of-32-bytes";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** What the receiver got: the path, the headers it checks, the body. */
  record Received(String path, String executionId, String signature, byte[] body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer receiver;
  private final AgpStack stack;
  private final ApiClient client;

  CompletionCallbackTest() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext("/", this::receive);
    receiver.start();
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-results").toUri().toString(),
                "agp.callbacks.enabled",
                "true",
                "agp.callbacks.secret",
                SECRET,
                "agp.callbacks.allowed-hosts",
                "127.0.0.1",
                "agp.callbacks.interval",
                "100ms",
                "agp.callbacks.backoff",
                "200ms",
                "agp.callbacks.max-backoff",
                "200ms"));
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() {
    stack.close();
    receiver.stop(0);
  }

  /** Fails the first request to a path ending in /flaky, accepts every other. */
  private void receive(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream in = exchange.getRequestBody()) {
      String path = exchange.getRequestURI().getPath();
      received.add(
          new Received(
              path,
              exchange.getRequestHeaders().getFirst("X-AGP-Execution-Id"),
              exchange.getRequestHeaders().getFirst("X-AGP-Signature"),
              in.readAllBytes()));
      boolean firstOfFlaky =
          path.endsWith("/flaky")
              && received.stream().filter(r -> r.path().equals(path)).count() == 1;
      exchange.sendResponseHeaders(firstOfFlaky ? 503 : 204, -1);
    }
  }

  @Test
  void aQueryThatSucceedsIsCalledBackWithWhatItsCreatorsGetShows() throws Exception {
    String path = "/" + UUID.randomUUID() + "/flaky";
    ApiClient.Reply created =
        client.postJson(
            "/v1/async/executions",
            """
            {"sql": "SELECT number FROM system.numbers LIMIT 4", "labels": {"run": "%s"},
             "callback_url": "http://127.0.0.1:%d%s?token=t0k3n"}
            """
                .formatted(UUID.randomUUID(), receiver.getAddress().getPort(), path));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("callback").get("state").asString()).isEqualTo("waiting");

    JsonNode shown = awaitCallback(created.location(), "delivered");

    List<Received> calls = received.stream().filter(r -> r.path().equals(path)).toList();
    assertThat(calls).hasSize(2);
    Received delivered = calls.getLast();
    assertThat(delivered.executionId()).isEqualTo(shown.get("id").asString());
    assertSigned(delivered);
    JsonNode body = JSON.readTree(delivered.body());
    assertThat(body.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(body.get("result").get("rows").asLong()).isEqualTo(4);
    assertThat(shown.get("callback").get("attempts").asInt()).isEqualTo(2);
    assertThat(shown.get("callback").get("last_status").asInt()).isEqualTo(204);
    assertThat(shown.get("callback").has("delivered_at")).isTrue();
    ((ObjectNode) body).remove("callback");
    ((ObjectNode) shown).remove("callback");
    assertThat(body).isEqualTo(shown);
  }

  @Test
  void queriesThatFailOrAreCanceledAreCalledBackToo() {
    int port = receiver.getAddress().getPort();
    String failingPath = "/" + UUID.randomUUID() + "/failed";
    String canceledPath = "/" + UUID.randomUUID() + "/canceled";
    ApiClient.Reply failing =
        client.postSql(
            "/v1/async/executions?callback_url=http://127.0.0.1:" + port + failingPath,
            "SELECT * FROM no_such_table_" + UUID.randomUUID().toString().replace("-", ""));
    ApiClient.Reply sleeping =
        client.postSql(
            "/v1/async/executions?callback_url=http://127.0.0.1:" + port + canceledPath,
            "SELECT sleep(3), '" + UUID.randomUUID() + "'");
    assertThat(client.post(sleeping.location() + "/cancel").status()).isEqualTo(200);

    awaitCallback(failing.location(), "delivered");
    awaitCallback(sleeping.location(), "delivered");

    assertThat(statusCalledBack(failingPath)).isEqualTo("FAILED");
    assertThat(statusCalledBack(canceledPath)).isEqualTo("CANCELED");
  }

  private String statusCalledBack(String path) {
    List<Received> calls = received.stream().filter(r -> r.path().equals(path)).toList();
    assertThat(calls).hasSize(1);
    return JSON.readTree(calls.getFirst().body()).get("status").asString();
  }

  /** The execution, once its callback is in the given state. */
  private JsonNode awaitCallback(String location, String state) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> client.get(location).json(),
            json -> json.get("callback").get("state").asString().equals(state));
  }

  private static void assertSigned(Received call) throws Exception {
    Matcher signature = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(call.signature());
    assertThat(signature.matches()).as(call.signature()).isTrue();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((signature.group(1) + ".").getBytes(StandardCharsets.UTF_8));
    assertThat(HexFormat.of().formatHex(mac.doFinal(call.body()))).isEqualTo(signature.group(2));
  }
}
