package io.agp.api.interactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.EventStream;
import io.agp.api.testing.TestApi;
import io.agp.execution.ResultFormat;
import io.agp.testkit.ClickHouseTestServer;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/sync/run} against a real ClickHouse: the result as ClickHouse writes it, progress
 * and result events, the tier's limits, and a client that leaves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyncRunTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.gold.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.gold.interactive.concurrency=1",
          "--agp.tiers.silver.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.silver.interactive.concurrency-per-user=1",
          "--agp.tiers.off.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.off.interactive.concurrency=0",
          "--agp.api.interactive.max-event-result=4KB",
          "--agp.api.interactive.progress-interval=100ms");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private Reply run(String query, String sql) {
    return client.postSql("/v1/sync/run" + query, sql);
  }

  @Test
  void answersTheResultAsClickHouseWritesItInEveryFormat() {
    String sql =
        "SELECT number, toString(number * 3) AS s, [number, 1] AS a FROM system.numbers LIMIT 500";
    for (ResultFormat format : ResultFormat.values()) {
      Reply reply = run("?format=" + format.name(), sql);
      assertThat(reply.status()).as(format.name()).isEqualTo(200);
      assertThat(reply.header("Content-Type")).as(format.name()).startsWith(format.contentType());
      assertThat(reply.header("X-AGP-Query-Id")).startsWith("agp-sync-");
      assertThat(withoutTimings(reply.text()))
          .as("%s, byte for byte but for the run's timings", format.name())
          .isEqualTo(withoutTimings(clickhouse.query(sql + " FORMAT " + format.name())));
    }
  }

  /** JSON's statistics say how long the run took: the one part two runs do not share. */
  static String withoutTimings(String text) {
    return text.replaceAll("\"elapsed\": [0-9.e-]+", "\"elapsed\": 0");
  }

  @Test
  void takesTheSameJsonAsACreate() {
    Reply reply =
        client.postJson(
            "/v1/sync/run", "{\"sql\": \"SELECT 42 AS answer\", \"format\": \"JSONEachRow\"}");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("{\"answer\":42}\n");
  }

  @Test
  void streamsProgressEventsThenOneResultEvent() throws Exception {
    // 30 blocks of a row each, 0.1 s apiece: about three seconds of progress.
    String sql =
        "SELECT sleepEachRow(0.1) AS z, number FROM system.numbers LIMIT 30"
            + " SETTINGS max_block_size = 1";
    try (EventStream events =
        EventStream.open(
            HttpRequest.newBuilder(api.url("/v1/sync/run"))
                .header("Content-Type", "text/plain")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(sql)))) {
      assertThat(events.status()).isEqualTo(200);
      assertThat(events.contentType()).startsWith("text/event-stream");
      List<JsonNode> progress = new ArrayList<>();
      EventStream.Event event = events.next(Duration.ofSeconds(30));
      while (event.name().equals("progress")) {
        progress.add(event.json());
        event = events.next(Duration.ofSeconds(30));
      }
      assertThat(event.name()).isEqualTo("result");
      JsonNode result = event.json();
      assertThat(result.get("rows").asInt()).isEqualTo(30);
      assertThat(result.get("data").get(29).get("number").asString()).isEqualTo("29");
      assertThat(progress).as("progress events of a 3 s query").hasSizeGreaterThanOrEqualTo(3);
      assertThat(progress.getLast().get("rows").asLong())
          .isGreaterThan(progress.getFirst().get("rows").asLong());
      assertThat(events.next(Duration.ofSeconds(5)).isEnd()).as("the stream ends").isTrue();
    }
  }

  @Test
  void aResultTooLargeForAnEventEndsWithAnErrorEventThatPointsToTheAsyncApi() throws Exception {
    try (EventStream events =
        EventStream.open(
            HttpRequest.newBuilder(api.url("/v1/sync/run?stream=true"))
                .header("Content-Type", "text/plain")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "SELECT number FROM system.numbers LIMIT 100000")))) {
      EventStream.Event event = events.next(Duration.ofSeconds(30));
      while (event.name().equals("progress")) {
        event = events.next(Duration.ofSeconds(30));
      }
      assertThat(event.name()).isEqualTo("error");
      assertThat(event.json().get("status").asInt()).isEqualTo(413);
      assertThat(event.json().get("detail").asString()).contains("/v1/async/executions");
      assertThat(events.next(Duration.ofSeconds(5)).isEnd()).isTrue();
    }
  }

  @Test
  void aQueryClickHouseRefusesIsA400WithItsCode() {
    Reply reply = run("", "SELEC 1");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().get("clickhouse_code").asInt()).isEqualTo(62);
  }

  @Test
  void aQueryThatWritesIsRefusedOnAReadOnlyTier() {
    Reply reply = run("", "CREATE TABLE sync_run_write (n UInt8) ENGINE = Memory");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("detail").asString()).containsIgnoringCase("readonly");
    assertThat(clickhouse.query("EXISTS TABLE sync_run_write")).isEqualTo("0\n");
  }

  @Test
  void parametersTheServerCannotTakeAreA400OrAnErrorEvent() throws Exception {
    // ClickHouse 18.16 takes no query parameters (19.11 and later do).
    Reply reply = run("?param_x=1", "SELECT 1");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("detail").asString()).contains("parameters");
    try (EventStream events =
        EventStream.open(
            HttpRequest.newBuilder(api.url("/v1/sync/run?stream=true&param_x=1"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")))) {
      EventStream.Event event = events.next(Duration.ofSeconds(30));
      assertThat(event.name()).isEqualTo("error");
      assertThat(event.json().get("status").asInt()).isEqualTo(400);
      assertThat(events.next(Duration.ofSeconds(5)).isEnd()).isTrue();
    }
  }

  @Test
  void aLockedSettingIsRefusedBeforeTheQueryRuns() {
    Reply reply = run("", "SELECT 1 SETTINGS max_execution_time = 0");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("field").asString()).isEqualTo("sql");
    assertThat(reply.json().get("detail").asString()).contains("max_execution_time");
  }

  @Test
  void aTierAtItsInteractiveConcurrencyAnswers429WithRetryAfter() throws Exception {
    String marker = UUID.randomUUID().toString();
    try (Socket first = send("?tier=gold", slowQuery(marker))) {
      awaitRunning(marker);
      Reply second = run("?tier=gold", "SELECT 1");
      assertThat(second.status()).isEqualTo(429);
      assertThat(second.header("Retry-After")).isEqualTo("1");
      assertThat(second.json().get("detail").asString()).contains("tier gold");
    }
    // The slot comes back once the first query's client has gone.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> run("?tier=gold", "SELECT 1").status() == 200);
  }

  @Test
  void aUserAtTheTiersPerUserConcurrencyAnswers429AndOthersStillRun() throws Exception {
    String marker = UUID.randomUUID().toString();
    try (Socket first = send("?tier=silver", slowQuery(marker), "ann")) {
      awaitRunning(marker);
      Reply again =
          client.send(
              "POST",
              "/v1/sync/run?tier=silver",
              HttpRequest.newBuilder()
                  .header("Content-Type", "text/plain")
                  .header("X-AGP-User", "ann")
                  .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")));
      assertThat(again.status()).isEqualTo(429);
      assertThat(again.json().get("detail").asString()).contains("one user");
      Reply other =
          client.send(
              "POST",
              "/v1/sync/run?tier=silver",
              HttpRequest.newBuilder()
                  .header("Content-Type", "text/plain")
                  .header("X-AGP-User", "bob")
                  .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")));
      assertThat(other.status()).isEqualTo(200);
    }
  }

  @Test
  void aTierWithoutInteractiveQueriesIs403() {
    Reply reply = run("?tier=off", "SELECT 1");
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.json().get("detail").asString()).contains("/v1/async/executions");
  }

  @Test
  void aClientThatLeavesHasItsQueryKilledWithinASecond() throws Exception {
    String marker = UUID.randomUUID().toString();
    Socket socket = send("", slowQuery(marker));
    awaitRunning(marker);
    System.out.printf(
        "sync run: query gone %d ms after its client left%n",
        SlowClients.leaveAndAwaitKilled(socket, clickhouse, marker));
  }

  @Test
  void aClientThatLeavesAnEventStreamHasItsQueryKilledWithinASecond() throws Exception {
    String marker = UUID.randomUUID().toString();
    Socket socket = send("?stream=true", slowQuery(marker));
    awaitRunning(marker);
    SlowClients.leaveAndAwaitKilled(socket, clickhouse, marker);
  }

  private static String slowQuery(String marker) {
    return SlowClients.slowQuery(marker);
  }

  private void awaitRunning(String marker) {
    SlowClients.awaitRunning(clickhouse, marker);
  }

  /** Sends a text/plain run on a socket of its own, and leaves the answer unread. */
  private Socket send(String query, String sql) throws Exception {
    return send(query, sql, "tester");
  }

  private Socket send(String query, String sql, String user) throws Exception {
    return SlowClients.send(
        "POST",
        api.url("/v1/sync/run" + query),
        "X-AGP-User: " + user + "\r\nContent-Type: text/plain\r\n",
        sql.getBytes(StandardCharsets.UTF_8));
  }
}
