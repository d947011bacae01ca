package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.execution.Execution;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CreateExecutionTest {

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  private static String unique() {
    return UUID.randomUUID().toString();
  }

  @Test
  void jsonCreateKeepsEveryFieldButShowsNoParameters() {
    String queryId = "report-" + unique();
    Reply reply =
        client.postJson(
            "/v1/async/executions",
            """
            {"sql": "SELECT 1 ;", "query_id": "%s", "tier": "gold", "format": "CSVWithNames",
             "parameters": {"secret": "s3cr3t"}, "labels": {"team": "ads"}}
            """
                .formatted(queryId));

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.header("Location")).matches("/v1/async/executions/\\d+");
    JsonNode json = reply.json();
    assertThat(json.get("query_id").asString()).isEqualTo(queryId);
    assertThat(json.get("sql").asString()).isEqualTo("SELECT 1");
    assertThat(json.get("tier").asString()).isEqualTo("gold");
    assertThat(json.get("format").asString()).isEqualTo("CSVWithNames");
    assertThat(json.get("labels").get("team").asString()).isEqualTo("ads");
    assertThat(json.get("created_by").asString()).isEqualTo("tester");
    assertThat(json.get("collapsed").asBoolean()).isFalse();
    assertThat(reply.text()).doesNotContain("s3cr3t").doesNotContain("parameters");
  }

  /**
   * A create's answer goes out whole with its length, created or collapsed, from text or JSON: a
   * client has it all once the body's bytes arrive, with no last chunk to wait for.
   */
  @Test
  void theCreatesAnswerGoesOutWithItsLength() {
    String sql = "SELECT '" + unique() + "'";
    Reply created = client.postSql("/v1/async/executions", sql);
    Reply collapsed = client.postJson("/v1/async/executions", "{\"sql\": \"" + sql + "\"}");

    assertThat(created.status()).isEqualTo(201);
    assertThat(collapsed.status()).isEqualTo(200);
    for (Reply reply : List.of(created, collapsed)) {
      assertThat(reply.header("Content-Type")).startsWith("application/json");
      assertThat(reply.header("Content-Length")).isEqualTo(String.valueOf(reply.body().length));
      assertThat(reply.header("Transfer-Encoding")).isNull();
    }
    assertThat(collapsed.json().get("id").asLong()).isEqualTo(created.json().get("id").asLong());
  }

  @Test
  void queryIdComesFromTheQueryParameterWhenTheBodyHasNone() {
    String queryId = "param-" + unique();
    Reply reply =
        client.postJson("/v1/async/executions?query_id=" + queryId, "{\"sql\": \"SELECT 2\"}");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().get("query_id").asString()).isEqualTo(queryId);
  }

  @Test
  void theSameQueryWhileInFlightCollapses() {
    String sql = "SELECT '" + unique() + "'";
    Reply first = client.postSql("/v1/async/executions", sql);
    Reply second = client.postSql("/v1/async/executions", sql);

    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.header("Location")).isNull();
    assertThat(second.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
    assertThat(second.json().get("collapsed").asBoolean()).isTrue();
    assertThat(second.json().get("collapsed_count").asInt()).isEqualTo(1);
  }

  @Test
  void otherSqlUnderAnInFlightQueryIdIsA409NamingIt() {
    String queryId = "conflict-" + unique();
    Reply first = client.postJson("/v1/async/executions", body("SELECT 1", queryId, null));
    Reply second = client.postJson("/v1/async/executions", body("SELECT 2", queryId, null));

    assertThat(second.status()).isEqualTo(409);
    assertThat(second.header("Content-Type")).startsWith("application/problem+json");
    assertThat(second.json().get("execution_id").asLong())
        .isEqualTo(first.json().get("id").asLong());
    assertThat(second.json().get("detail").asString()).contains(queryId);
    assertThat(api.repository().findInFlight("default", "", queryId).orElseThrow().sql())
        .isEqualTo("SELECT 1");
  }

  @Test
  void replaceCancelsTheInFlightExecutionAndCreatesTheNewOne() {
    String queryId = "replace-" + unique();
    long old =
        client
            .postJson("/v1/async/executions", body("SELECT 1", queryId, null))
            .json()
            .get("id")
            .asLong();
    api.start(old);

    Reply reply =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"SELECT 2\", \"query_id\": \"%s\", \"replace\": true}".formatted(queryId));

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().get("replaced_execution_id").asLong()).isEqualTo(old);
    Execution canceled = api.repository().get(old).orElseThrow();
    assertThat(canceled.status().name()).isEqualTo("CANCELED");
    assertThat(api.repository().findInFlight("default", "", queryId).orElseThrow().id())
        .isEqualTo(reply.json().get("id").asLong());
  }

  @Test
  void concurrentReplacesLeaveExactlyOneExecutionInFlight() throws Exception {
    String queryId = "race-" + unique();
    client.postJson("/v1/async/executions", body("SELECT 0", queryId, null));
    List<Callable<Reply>> replaces = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      String json =
          "{\"sql\": \"SELECT %d\", \"query_id\": \"%s\", \"replace\": true}".formatted(i, queryId);
      replaces.add(() -> client.postJson("/v1/async/executions", json));
    }
    List<Reply> replies = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (Future<Reply> reply : pool.invokeAll(replaces)) {
        replies.add(reply.get());
      }
    }

    assertThat(replies).allSatisfy(r -> assertThat(r.status()).isIn(200, 201));
    long inFlight =
        api.jdbc()
            .sql(
                "select count(*) from executions where query_id = :q"
                    + " and status in ('PENDING', 'RUNNING')")
            .param("q", queryId)
            .query(Long.class)
            .single();
    long canceled =
        api.jdbc()
            .sql("select count(*) from executions where query_id = :q and status = 'CANCELED'")
            .param("q", queryId)
            .query(Long.class)
            .single();
    assertThat(inFlight).isEqualTo(1);
    assertThat(canceled).isEqualTo(8);
  }

  @Test
  void replaceWithTheSameSqlCollapsesInsteadOfCanceling() {
    String queryId = "same-" + unique();
    Reply first = client.postJson("/v1/async/executions", body("SELECT 7", queryId, null));
    Reply again =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"SELECT 7\", \"query_id\": \"%s\", \"replace\": true}".formatted(queryId));

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("collapsed").asBoolean()).isTrue();
    assertThat(again.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
  }

  @Test
  void maxAgeReusesAFreshSucceededResult() throws Exception {
    String queryId = "reuse-" + unique();
    long id =
        client
            .postJson("/v1/async/executions", body("SELECT 3", queryId, null))
            .json()
            .get("id")
            .asLong();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);

    Reply reply = client.postJson("/v1/async/executions", body("SELECT 3", queryId, 3600L));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("id").asLong()).isEqualTo(id);
    assertThat(reply.json().get("reused").asBoolean()).isTrue();
    assertThat(reply.json().get("result_age_ms").asLong()).isBetween(0L, 3_600_000L);
    assertThat(reply.json().get("status").asString()).isEqualTo("SUCCEEDED");
  }

  @Test
  void maxAgeDoesNotReuseAnOlderResultNorOneOfOtherSql() throws Exception {
    String queryId = "stale-" + unique();
    long id =
        client
            .postJson("/v1/async/executions", body("SELECT 4", queryId, null))
            .json()
            .get("id")
            .asLong();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    api.jdbc()
        .sql("update executions set completed_at = now() - interval '2 hours' where id = :id")
        .param("id", id)
        .update();

    Reply tooOld = client.postJson("/v1/async/executions", body("SELECT 4", queryId, 3600L));
    assertThat(tooOld.status()).isEqualTo(201);
    assertThat(tooOld.json().get("id").asLong()).isNotEqualTo(id);

    String otherId = "other-" + unique();
    long done =
        client
            .postJson("/v1/async/executions", body("SELECT 5", otherId, null))
            .json()
            .get("id")
            .asLong();
    api.succeed(done, "{}".getBytes(StandardCharsets.UTF_8), null);
    Reply otherSql = client.postJson("/v1/async/executions", body("SELECT 6", otherId, 3600L));
    assertThat(otherSql.status()).isEqualTo(201);
  }

  @Test
  void theSameSqlInAnotherTierNeverCollapsesAcrossTiers() {
    String sql = "SELECT '" + unique() + "'";
    Reply standard = client.postJson("/v1/async/executions", "{\"sql\": \"%s\"}".formatted(sql));
    Reply gold =
        client.postJson(
            "/v1/async/executions", "{\"sql\": \"%s\", \"tier\": \"gold\"}".formatted(sql));

    assertThat(standard.status()).isEqualTo(201);
    assertThat(gold.status()).isEqualTo(201);
    assertThat(gold.json().get("query_hash").asString())
        .isNotEqualTo(standard.json().get("query_hash").asString());
  }

  @Test
  void theSameSqlOfAnotherUserCollapsesWithinATier() {
    String json = "{\"sql\": \"SELECT '%s'\"}".formatted(unique());
    Reply alice = client.postJson("/v1/async/executions", json, "alice");
    Reply bob = client.postJson("/v1/async/executions", json, "bob");

    assertThat(bob.status()).isEqualTo(200);
    assertThat(bob.json().get("id").asLong()).isEqualTo(alice.json().get("id").asLong());
  }

  private static String body(String sql, String queryId, Long maxAge) {
    return "{\"sql\": \"%s\", \"query_id\": \"%s\"%s}"
        .formatted(sql, queryId, maxAge == null ? "" : ", \"max_age\": " + maxAge);
  }
}
