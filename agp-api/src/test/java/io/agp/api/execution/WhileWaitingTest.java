package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.QueryStats;
import io.agp.execution.StoredResult;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a get tells a caller waiting for an execution: its place in the queue, how long its query
 * usually runs, and once it ended, ClickHouse's own figures of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WhileWaitingTest {

  /** An API of its own, so that no other test's executions wait in the queues of its tiers. */
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.queue.clickhouse.url=http://localhost:1",
          "--agp.tiers.events.clickhouse.url=http://localhost:1");

  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void aPendingExecutionTellsItsPlaceInTheQueueAndListsLeaveItOut() {
    List<Long> alices = new ArrayList<>();
    List<Long> bobs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alices.add(create("queue", "alice", "SELECT " + i + ", '" + UUID.randomUUID() + "'"));
    }
    for (int i = 0; i < 2; i++) {
      bobs.add(create("queue", "bob", "SELECT " + i + ", '" + UUID.randomUUID() + "'"));
    }

    // The users take turns: alice's first, bob's first, alice's second...
    assertThat(position(alices.get(0), "alice")).isEqualTo(1);
    assertThat(position(bobs.get(0), "bob")).isEqualTo(2);
    assertThat(position(alices.get(1), "alice")).isEqualTo(3);
    assertThat(position(bobs.get(1), "bob")).isEqualTo(4);
    assertThat(position(alices.get(2), "alice")).isEqualTo(5);
    JsonNode listed = client.get("/v1/async/executions?tier=queue", "X-AGP-User", "alice").json();
    assertThat(listed.get("executions"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.has("queue_position")).isFalse());

    api.start(alices.get(0));

    JsonNode running = get(alices.get(0), "alice");
    assertThat(running.get("status").asString()).isEqualTo("RUNNING");
    assertThat(running.has("queue_position")).isFalse();
    // Alice runs one and had the last turn: both of bob's come first now, as the gets tell once
    // the positions they read before are a second old.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(position(bobs.get(0), "bob")).isEqualTo(1);
              assertThat(position(bobs.get(1), "bob")).isEqualTo(2);
              assertThat(position(alices.get(1), "alice")).isEqualTo(3);
            });
  }

  @Test
  void anEventOfAPendingExecutionCarriesItsQueuePosition() throws Exception {
    create("events", "dave", "SELECT 'before " + UUID.randomUUID() + "'");
    long id = create("events", "carol", "SELECT 'evented " + UUID.randomUUID() + "'");
    long expected = position(id, "carol");

    HttpRequest request =
        HttpRequest.newBuilder(api.url("/v1/async/executions/" + id + "/events"))
            .header("X-AGP-User", "carol")
            .header("Accept", "text/event-stream")
            .build();
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
    String data;
    try (Stream<String> lines = response.body()) {
      data =
          lines
              .filter(line -> line.startsWith("data:"))
              .findFirst()
              .orElseThrow()
              .substring("data:".length());
    }

    JsonNode event = JsonMapper.builder().build().readTree(data);
    assertThat(event.get("status").asString()).isEqualTo("PENDING");
    assertThat(event.get("queue_position").asLong()).isEqualTo(expected).isEqualTo(2);
  }

  @Test
  void aRunningExecutionTellsHowLongItsQueryUsuallyRunsOnceItRanThreeTimes() {
    String sql = "SELECT 'usual " + UUID.randomUUID() + "'";
    succeed(create("default", "tester", sql), 3_000);
    succeed(create("default", "tester", sql), 1_000);
    long third = create("default", "tester", sql);
    api.start(third);
    assertThat(get(third, "tester").has("estimate")).isFalse();
    succeed(third, 2_000);

    long fourth = create("default", "tester", sql);
    api.start(fourth);
    JsonNode estimate = get(fourth, "tester").get("estimate");

    assertThat(estimate.get("typical_duration_ms").asLong()).isEqualTo(2_000);
    assertThat(estimate.get("runs").asInt()).isEqualTo(3);
    assertThat(estimate.get("remaining_ms").asLong()).isBetween(0L, 2_000L);
  }

  /**
   * The remaining time runs down with the clock alone: a poll of a running execution whose row did
   * not move is a 304 while the time shown would have moved (else no poll of it would ever be).
   */
  @Test
  void theTagOfARunningExecutionLeavesOutTheRemainingTime() {
    String sql = "SELECT 'long " + UUID.randomUUID() + "'";
    for (int i = 0; i < 3; i++) {
      succeed(create("default", "tester", sql), 600_000);
    }
    long running = create("default", "tester", sql);
    api.start(running);
    String path = "/v1/async/executions/" + running;
    Reply first = client.get(path, "X-AGP-User", "tester");
    long remaining = first.json().get("estimate").get("remaining_ms").asLong();
    String etag = first.header("ETag");

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> get(running, "tester").get("estimate").get("remaining_ms").asLong(),
            later -> later < remaining);
    Reply again = client.get(path, "X-AGP-User", "tester", "If-None-Match", etag);

    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void anEndedExecutionShowsClickHousesFiguresOfItsQuery() {
    long id = create("default", "tester", "SELECT 'figures " + UUID.randomUUID() + "'");
    AttemptId attemptId = api.start(id);
    api.repository()
        .complete(
            attemptId,
            new StoredResult("k-" + id, 1, 10, List.of(), null, 50),
            Duration.ofHours(1),
            new QueryStats(1_000, 8_000, null, 42L, QueryStats.Source.SUMMARY),
            false);

    JsonNode stats = get(id, "tester").get("query_stats");

    assertThat(stats.get("read_rows").asLong()).isEqualTo(1_000);
    assertThat(stats.get("read_bytes").asLong()).isEqualTo(8_000);
    assertThat(stats.get("elapsed_ms").asLong()).isEqualTo(42);
    assertThat(stats.has("peak_memory_bytes")).isFalse();
    assertThat(stats.get("source").asString()).isEqualTo("summary");
    JsonNode listed =
        client
            .get("/v1/async/executions?status=SUCCEEDED&limit=100", "X-AGP-User", "tester")
            .json();
    assertThat(listed.get("executions"))
        .anySatisfy(
            e -> {
              assertThat(e.get("id").asLong()).isEqualTo(id);
              assertThat(e.get("query_stats").get("source").asString()).isEqualTo("summary");
            });
  }

  private long create(String tier, String user, String sql) {
    Reply created =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": %s, \"tier\": \"%s\"}".formatted(quoted(sql), tier),
            user);
    assertThat(created.status()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  private void succeed(long id, long durationMillis) {
    Execution execution = api.repository().get(id).orElseThrow();
    AttemptId attemptId =
        execution.status() == ExecutionStatus.RUNNING ? execution.attemptId() : api.start(id);
    api.repository()
        .complete(
            attemptId,
            new StoredResult("k-" + id, 1, 10, List.of(), null, durationMillis),
            Duration.ofHours(1));
  }

  private long position(long id, String user) {
    return get(id, user).get("queue_position").asLong();
  }

  private JsonNode get(long id, String user) {
    Reply reply = client.get("/v1/async/executions/" + id, "X-AGP-User", user);
    assertThat(reply.status()).isEqualTo(200);
    return reply.json();
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
