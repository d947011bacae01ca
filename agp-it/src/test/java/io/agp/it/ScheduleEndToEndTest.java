package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * A schedule through the three apps: the API makes it, the bookkeeper creates its runs, a worker
 * runs them on ClickHouse; a dashboard's create of the same query with max_age then gets the last
 * run's result at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduleEndToEndTest {

  private final AgpStack stack;
  private final ApiClient client;

  ScheduleEndToEndTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-results").toUri().toString(),
                "agp.bookkeeper.schedules.interval",
                "100ms",
                "agp.api.schedules.min-interval",
                "1s"));
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() {
    stack.close();
  }

  @Test
  void aDashboardAskingWithMaxAgeGetsTheScheduledRunsResultAtOnce() {
    String sql = "SELECT 42 AS answer, '" + Instant.now() + "' AS at";
    ApiClient.Reply created =
        client.postJson(
            "/v1/schedules",
            "{\"sql\": \"%s\", \"format\": \"JSON\", \"every_seconds\": 2}".formatted(sql));
    assertThat(created.status()).isEqualTo(201);
    String schedule = created.location();

    JsonNode first =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> lastRun(schedule), run -> run != null && "SUCCEEDED".equals(status(run)));
    long firstRun = first.get("execution_id").asLong();
    assertThat(first.get("outcome").asString()).isEqualTo("created");

    ApiClient.Reply dashboard =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"%s\", \"format\": \"JSON\", \"max_age\": 600}".formatted(sql));
    assertThat(dashboard.status()).isEqualTo(200);
    assertThat(dashboard.json().get("status").asString()).isEqualTo("SUCCEEDED");
    long reused = dashboard.json().get("id").asLong();
    assertThat(reused).isGreaterThanOrEqualTo(firstRun);
    assertThat(dashboard.json().get("labels").get("schedule").asString()).isEqualTo(id(schedule));

    // The next runs come on their own, each a new execution once the previous one ended.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> lastRun(schedule),
            run ->
                run != null
                    && run.get("execution_id").asLong() > reused
                    && "SUCCEEDED".equals(status(run)));
    JsonNode runs = client.get("/v1/async/executions?label=schedule=" + id(schedule)).json();
    assertThat(runs.get("executions").size()).isGreaterThanOrEqualTo(2);

    // Paused, it creates nothing more.
    assertThat(client.post(schedule + "/pause").json().get("paused").asBoolean()).isTrue();
    long afterPause = lastRun(schedule).get("execution_id").asLong();
    await()
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> lastRun(schedule).get("execution_id").asLong() == afterPause);
  }

  private JsonNode lastRun(String schedule) {
    return client.get(schedule).json().get("last_run");
  }

  private static String status(JsonNode run) {
    return run.has("status") ? run.get("status").asString() : null;
  }

  private static String id(String location) {
    return location.substring(location.lastIndexOf('/') + 1);
  }
}
