package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.testkit.PostgresTestServer;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * API → PostgreSQL → worker → ClickHouse → result store → API, against real servers. Subclasses
 * choose the result store, which gets every result (none is kept in its row).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndTestBase {

  private final AgpStack stack;
  private final ApiClient client;

  EndToEndTestBase(Map<String, Object> storeProperties) {
    Map<String, Object> properties = new HashMap<>(storeProperties);
    // The store is what these classes test: every result goes to it, the small ones here too.
    properties.put("agp.tiers.default.inline-result-size", "0");
    stack = AgpStack.start(properties);
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() {
    stack.close();
  }

  @Test
  void runsAQueryAndServesItsResult() throws Exception {
    ApiClient.Reply created =
        client.postSql(
            "/v1/async/executions",
            "SELECT number, toString(number) AS s FROM system.numbers LIMIT 5");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.location()).matches("/v1/async/executions/\\d+");
    assertThat(created.json().get("status").asString()).isEqualTo("PENDING");
    assertThat(created.json().get("query_id").asString()).hasSize(64);
    assertThat(created.json().has("created_at")).isTrue();

    JsonNode done = awaitEnd(created.location());
    assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(done.get("attempt").asInt()).isEqualTo(1);
    assertThat(done.get("result").get("rows").asLong()).isEqualTo(5);
    assertThat(done.get("result").get("bytes").asLong()).isPositive();
    assertThat(done.get("result").get("columns").get(0).get("name").asString()).isEqualTo("number");
    assertThat(done.get("result").get("columns").get(0).get("type").asString()).isEqualTo("UInt64");

    HttpResponse<InputStream> download = client.download(created.location() + "/result");
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    byte[] body;
    try (InputStream in = download.body()) {
      body = in.readAllBytes();
    }
    assertThat((long) body.length).isEqualTo(done.get("result").get("bytes").asLong());
    JsonNode result =
        JsonMapper.builder().build().readTree(new String(body, StandardCharsets.UTF_8));
    assertThat(result.get("rows").asInt()).isEqualTo(5);
    assertThat(result.get("data").get(4).get("s").asString()).isEqualTo("4");
  }

  @Test
  void aFailingQueryEndsFailedWithClickHousesMessage() {
    ApiClient.Reply created =
        client.postSql("/v1/async/executions", "SELECT * FROM no_such_table_here");

    JsonNode done = awaitEnd(created.location());

    assertThat(done.get("status").asString()).isEqualTo("FAILED");
    assertThat(done.get("error").asString())
        .contains("no_such_table_here")
        .contains("doesn't exist");
    assertThat(done.has("result")).isFalse();
    assertThat(client.get(created.location() + "/result").status()).isEqualTo(404);
  }

  @Test
  void theSameSqlWhileInFlightCollapsesOntoOneExecution() {
    String sql = "SELECT sleep(1), 'collapse " + getClass().getSimpleName() + "'";
    ApiClient.Reply first = client.postSql("/v1/async/executions", sql);
    ApiClient.Reply second = client.postSql("/v1/async/executions", sql);

    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
    assertThat(second.json().get("collapsed").asBoolean()).isTrue();
    assertThat(second.json().get("collapsed_count").asInt()).isEqualTo(1);
    assertThat(awaitEnd(first.location()).get("status").asString()).isEqualTo("SUCCEEDED");
  }

  @Test
  void anExpiredResultIsDeletedAndItsDownloadAnswers410() {
    ApiClient.Reply created = client.postSql("/v1/async/executions", "SELECT 'expire me'");
    long id = created.json().get("id").asLong();
    // Followed in the database, not through the API: an API instance that reads a settled
    // execution keeps a copy of it until shortly before its expires_at, which this test moves.
    JdbcClient jdbc = JdbcClient.create(PostgresTestServer.shared().dataSource(stack.jdbcUrl()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc.sql("select status from executions where id = :id")
                    .param("id", id)
                    .query(String.class)
                    .single(),
            "SUCCEEDED"::equals);

    // As if its time-to-live had passed.
    jdbc.sql("update executions set expires_at = now() - interval '1 second' where id = :id")
        .param("id", id)
        .update();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client.get(created.location()).json().get("status").asString(),
            "EXPIRED"::equals);
    ApiClient.Reply download = client.get(created.location() + "/result");
    assertThat(download.status()).isEqualTo(410);
    assertThat(download.contentType()).startsWith("application/problem+json");
  }

  @Test
  void theBookkeeperPublishesQueueMetricsForPrometheus() {
    ApiClient bookkeeper = new ApiClient(stack::bookkeeperUrl);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(bookkeeper.get("/actuator/prometheus").text())
                    .contains(
                        "agp_bookkeeper_queue_executions{status=\"PENDING\",tier=\"default\"}")
                    .contains("agp_bookkeeper_queue_oldest_pending_seconds{tier=\"default\"}")
                    .contains("agp_bookkeeper_requeued_total"));
  }

  @Test
  void anUnknownExecutionIsAProblem404() {
    ApiClient.Reply reply = client.get("/v1/async/executions/987654321");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.json().get("detail").asString()).contains("987654321");
  }

  private JsonNode awaitEnd(String location) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> client.get(location).json(),
            json -> !json.get("status").asString().matches("PENDING|RUNNING"));
  }
}
