package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/** The API's waiting, reuse and cancel with a real worker and ClickHouse behind it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiWithWorkerTest {

  private final AgpStack stack;
  private final ApiClient client;

  ApiWithWorkerTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-results").toUri().toString()));
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() {
    stack.close();
  }

  @Test
  void aFastQueryWithWaitIsOneRoundTrip() {
    ApiClient.Reply reply =
        client.postSql("/v1/async/executions?wait=30", "SELECT number FROM system.numbers LIMIT 3");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(reply.json().get("result").get("rows").asLong()).isEqualTo(3);
  }

  @Test
  void aFreshResultIsReusedInsteadOfRunningAgain() {
    String json = "{\"sql\": \"SELECT '%s'\", \"max_age\": 600}".formatted(UUID.randomUUID());
    ApiClient.Reply first = client.postJson("/v1/async/executions?wait=30", json);
    assertThat(first.json().get("status").asString()).isEqualTo("SUCCEEDED");

    ApiClient.Reply second = client.postJson("/v1/async/executions", json);

    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json().get("reused").asBoolean()).isTrue();
    assertThat(second.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
  }

  @Test
  void aQueryThatRanThreeTimesTellsHowLongItUsuallyRunsAndEachRunKeepsClickHousesFigures() {
    // Two seconds: a row every half second.
    String sql =
        "SELECT '%s', count() FROM (SELECT number FROM numbers(4) WHERE sleepEachRow(0.5) = 0"
                .formatted(UUID.randomUUID())
            + " SETTINGS max_block_size = 1)";
    for (int run = 0; run < 3; run++) {
      JsonNode done = client.postSql("/v1/async/executions?wait=30", sql).json();
      assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
      // ClickHouse 18.16 sends no summary: the last progress sample tells.
      assertThat(done.get("query_stats").get("source").asString()).isEqualTo("progress");
      assertThat(done.get("query_stats").get("read_rows").asLong()).isBetween(1L, 4L);
    }

    ApiClient.Reply fourth = client.postSql("/v1/async/executions", sql);
    JsonNode running =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> client.get(fourth.location()).json(), e -> e.has("estimate"));

    assertThat(running.get("status").asString()).isEqualTo("RUNNING");
    assertThat(running.get("estimate").get("runs").asInt()).isEqualTo(3);
    assertThat(running.get("estimate").get("typical_duration_ms").asLong())
        .isGreaterThanOrEqualTo(1_500);
    assertThat(running.get("estimate").get("remaining_ms").asLong())
        .isBetween(0L, running.get("estimate").get("typical_duration_ms").asLong());
  }

  @Test
  void cancelingARunningQueryEndsItCanceled() {
    ApiClient.Reply created =
        client.postSql("/v1/async/executions", "SELECT sleep(3), '" + UUID.randomUUID() + "'");
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> client.get(created.location()).json().get("status").asString(),
            "RUNNING"::equals);

    ApiClient.Reply canceled = client.postJson(created.location() + "/cancel", "");

    assertThat(canceled.status()).isEqualTo(200);
    assertThat(canceled.json().get("status").asString()).isEqualTo("CANCELED");
    JsonNode later = client.get(created.location() + "?wait=2").json();
    assertThat(later.get("status").asString()).isEqualTo("CANCELED");
    assertThat(client.postJson(created.location() + "/cancel", "").status()).isEqualTo(409);
  }
}
