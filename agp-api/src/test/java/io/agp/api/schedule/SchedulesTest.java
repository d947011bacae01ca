package io.agp.api.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/** {@code /v1/schedules} in JWT mode: who sees what, what is refused, the limits. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulesTest {

  private static final String SECRET = "a-test-secret-of-schedules-32-bytes!!";
  private static final String SCHEDULES = "/v1/schedules";

  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.auth.role-tiers.analyst=default,gold",
          "--agp.api.schedules.max-per-user=3",
          "--agp.api.schedules.min-interval=5m");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub, List<String> roles) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .claim("roles", roles)
            .expirationTime(Date.from(Instant.now().plusSeconds(600)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static String user(String name) throws Exception {
    return token(name + "-" + UUID.randomUUID(), List.of("analyst"));
  }

  private Reply as(String token, String method, String path, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return client.send(method, path, request);
  }

  private long create(String token, String json) {
    Reply reply = as(token, "POST", SCHEDULES, json);
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  @Test
  void aScheduleRunsAtOnceUnderTheQueryIdADashboardsCreateOfTheSameQueryGets() throws Exception {
    String alice = user("alice");
    Instant before = Instant.now().minusSeconds(1);
    Reply created =
        as(
            alice,
            "POST",
            SCHEDULES,
            """
            {"name": "revenue", "sql": "SELECT 42;", "format": "JSON", "every_seconds": 600,
             "labels": {"team": "ads"}}""");

    assertThat(created.status()).isEqualTo(201);
    JsonNode schedule = created.json();
    long id = schedule.get("id").asLong();
    assertThat(created.header("Location")).isEqualTo("/v1/schedules/" + id);
    assertThat(schedule.get("owner").asString()).startsWith("alice-");
    assertThat(schedule.get("sql").asString()).isEqualTo("SELECT 42");
    assertThat(schedule.get("tier").asString()).isEqualTo("default");
    assertThat(schedule.get("every_seconds").asLong()).isEqualTo(600);
    assertThat(schedule.get("paused").asBoolean()).isFalse();
    assertThat(schedule.has("last_run")).isFalse();
    Instant next = Instant.parse(schedule.get("next_run_at").asString());
    assertThat(next).isBetween(before, Instant.now().plusSeconds(1));

    // A dashboard's create of the same query gets the same query_id and hash.
    Reply execution =
        as(alice, "POST", "/v1/async/executions", "{\"sql\": \"SELECT 42\", \"format\": \"JSON\"}");
    assertThat(execution.json().get("query_id").asString())
        .isEqualTo(schedule.get("query_id").asString());
    assertThat(execution.json().get("query_hash").asString())
        .isEqualTo(schedule.get("query_hash").asString());
  }

  @Test
  void aCronScheduleWaitsForItsFirstInstant() throws Exception {
    JsonNode schedule =
        as(user("carol"), "POST", SCHEDULES, "{\"sql\": \"SELECT 1\", \"cron\": \"0 0 6 * * *\"}")
            .json();

    Instant next = Instant.parse(schedule.get("next_run_at").asString());
    assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofDays(1)));
    assertThat(next.toString()).endsWith("T06:00:00Z");
    assertThat(schedule.get("cron").asString()).isEqualTo("0 0 6 * * *");
  }

  @Test
  void anotherUsersScheduleIs404ForEveryOperationAndAdminsSeeAll() throws Exception {
    String owner = user("owner");
    String stranger = user("stranger");
    String admin = token("root-" + UUID.randomUUID(), List.of("admin", "analyst"));
    long id = create(owner, "{\"sql\": \"SELECT 'mine'\", \"every_seconds\": 3600}");
    String path = SCHEDULES + "/" + id;
    String body = "{\"sql\": \"SELECT 'taken'\", \"every_seconds\": 3600}";

    assertThat(as(stranger, "GET", path, null).status()).isEqualTo(404);
    assertThat(as(stranger, "PUT", path, body).status()).isEqualTo(404);
    assertThat(as(stranger, "POST", path + "/pause", null).status()).isEqualTo(404);
    assertThat(as(stranger, "POST", path + "/resume", null).status()).isEqualTo(404);
    Reply delete = as(stranger, "DELETE", path, null);
    assertThat(delete.status()).isEqualTo(404);
    assertThat(delete.header("Content-Type")).startsWith("application/problem+json");
    // The same answer as for a schedule that does not exist.
    assertThat(delete.json().get("detail").asString())
        .isEqualTo("schedule " + id + " does not exist");
    assertThat(as(stranger, "GET", SCHEDULES, null).json().get("schedules")).isEmpty();
    assertThat(as(null, "GET", path, null).status()).isEqualTo(401);
    assertThat(as(owner + "x", "GET", path, null).status()).isEqualTo(401);

    JsonNode mine = as(owner, "GET", path, null).json();
    assertThat(mine.get("sql").asString()).isEqualTo("SELECT 'mine'");
    assertThat(as(admin, "GET", SCHEDULES + "?limit=500", null).json().get("schedules"))
        .extracting(s -> s.get("id").asLong())
        .contains(id);
    Reply paused = as(admin, "POST", path + "/pause", null);
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().get("paused").asBoolean()).isTrue();
    assertThat(paused.json().has("next_run_at")).isFalse();
    // An admin's change leaves the schedule its owner's.
    Reply replaced = as(admin, "PUT", path, body);
    assertThat(replaced.json().get("owner").asString()).isEqualTo(mine.get("owner").asString());
    assertThat(replaced.json().get("paused").asBoolean()).isTrue();
    assertThat(as(owner, "GET", path, null).json().get("sql").asString())
        .isEqualTo("SELECT 'taken'");
  }

  @Test
  void theOwnerPausesResumesReplacesAndDeletes() throws Exception {
    String owner = user("dave");
    long id = create(owner, "{\"sql\": \"SELECT 'd'\", \"every_seconds\": 3600}");
    String path = SCHEDULES + "/" + id;

    JsonNode paused = as(owner, "POST", path + "/pause", null).json();
    assertThat(paused.get("paused").asBoolean()).isTrue();
    assertThat(paused.has("next_run_at")).isFalse();
    JsonNode resumed = as(owner, "POST", path + "/resume", null).json();
    assertThat(resumed.get("paused").asBoolean()).isFalse();
    assertThat(Instant.parse(resumed.get("next_run_at").asString()))
        .isBefore(Instant.now().plusSeconds(1));

    JsonNode replaced =
        as(owner, "PUT", path, "{\"sql\": \"SELECT 'e'\", \"cron\": \"0 */10 * * * *\"}").json();
    assertThat(replaced.get("id").asLong()).isEqualTo(id);
    assertThat(replaced.get("cron").asString()).isEqualTo("0 */10 * * * *");
    assertThat(replaced.has("every_seconds")).isFalse();

    // A delete answers no body: a client that accepts problem+json alone (as the generated one
    // does for an operation without content) is answered too.
    Reply deleted =
        client.send(
            "DELETE",
            path,
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + owner)
                .header("Accept", "application/problem+json")
                .DELETE());
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(as(owner, "GET", path, null).status()).isEqualTo(404);
    assertThat(as(owner, "DELETE", path, null).status()).isEqualTo(404);
  }

  @Test
  void badInputIs400ProblemNamingTheField() throws Exception {
    String owner = user("erin");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"cron\": \"every monday\"}", "cron");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"cron\": \"0 * * * * *\"}", "cron");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": 60}", "every_seconds");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": -1}", "every_seconds");
    assertBad(owner, "{\"sql\": \"SELECT 1\"}", "every_seconds");
    assertBad(
        owner,
        "{\"sql\": \"SELECT 1\", \"every_seconds\": 600, \"cron\": \"0 0 * * * *\"}",
        "every_seconds");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": 600, \"tier\": \"nope\"}", "tier");
    assertBad(owner, "{\"sql\": \" ; \", \"every_seconds\": 600}", "sql");
    assertBad(
        owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": 600, \"format\": \"X\"}", "format");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": \"600\"}", "every_seconds");
    assertBad(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": 600, \"color\": 1}", "color");
    Reply refused =
        assertBad(
            owner,
            "{\"sql\": \"SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'x UInt8')\","
                + " \"every_seconds\": 600}",
            "sql");
    assertThat(refused.json().get("detail").asString()).contains("url");
    assertBad(
        owner,
        "{\"sql\": \"SELECT 1 SETTINGS max_execution_time = 0\", \"every_seconds\": 600}",
        "sql");
    assertThat(as(owner, "GET", SCHEDULES, null).json().get("schedules")).isEmpty();

    long id = create(owner, "{\"sql\": \"SELECT 1\", \"every_seconds\": 600}");
    assertBad(
        owner, SCHEDULES + "/" + id, "PUT", "{\"sql\": \"SELECT 1\", \"cron\": \"x\"}", "cron");
    assertThat(as(owner, "GET", SCHEDULES + "/abc", null).status()).isEqualTo(400);
    assertThat(as(owner, "GET", SCHEDULES + "?cursor=zz", null).status()).isEqualTo(400);
    assertThat(as(owner, "GET", SCHEDULES + "?limit=0", null).status()).isEqualTo(400);
  }

  @Test
  void aTierTheTokenDoesNotAllowIs403() throws Exception {
    String plain = token("frank-" + UUID.randomUUID(), List.of());
    Reply reply =
        as(
            plain,
            "POST",
            SCHEDULES,
            "{\"sql\": \"SELECT 1\", \"every_seconds\": 600, \"tier\":" + " \"gold\"}");
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.json().get("field").asString()).isEqualTo("tier");
  }

  @Test
  void aUserHasAtMostTheLimitOfSchedules() throws Exception {
    String owner = user("greta");
    for (int i = 0; i < 3; i++) {
      create(owner, "{\"sql\": \"SELECT " + i + "\", \"every_seconds\": 600}");
    }

    Reply over = as(owner, "POST", SCHEDULES, "{\"sql\": \"SELECT 9\", \"every_seconds\": 600}");
    assertThat(over.status()).isEqualTo(409);
    assertThat(over.header("Content-Type")).startsWith("application/problem+json");
    assertThat(over.json().get("limit").asInt()).isEqualTo(3);
    // Another user is not held back by them, and a delete makes room.
    create(user("hugo"), "{\"sql\": \"SELECT 9\", \"every_seconds\": 600}");
    JsonNode page = as(owner, "GET", SCHEDULES + "?limit=2", null).json();
    assertThat(page.get("schedules")).hasSize(2);
    JsonNode rest =
        as(owner, "GET", SCHEDULES + "?limit=2&cursor=" + page.get("next_cursor").asString(), null)
            .json();
    assertThat(rest.get("schedules")).hasSize(1);
    assertThat(rest.has("next_cursor")).isFalse();
    long oldest = rest.get("schedules").get(0).get("id").asLong();
    assertThat(as(owner, "DELETE", SCHEDULES + "/" + oldest, null).status()).isEqualTo(204);
    create(owner, "{\"sql\": \"SELECT 9\", \"every_seconds\": 600}");
  }

  @Test
  void concurrentCreatesNeverGoOverTheLimit() throws Exception {
    String owner = user("racer");
    List<Integer> statuses;
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Integer>> replies = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String json = "{\"sql\": \"SELECT 'race " + i + "'\", \"every_seconds\": 600}";
        replies.add(pool.submit(() -> as(owner, "POST", SCHEDULES, json).status()));
      }
      statuses = new ArrayList<>();
      for (Future<Integer> reply : replies) {
        statuses.add(reply.get());
      }
    }

    assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(5);
    assertThat(as(owner, "GET", SCHEDULES, null).json().get("schedules")).hasSize(3);
  }

  @Test
  void eachAnswerShowsTheLastRunWithItsExecutionsStatusNow() throws Exception {
    String owner = user("ines");
    long id = create(owner, "{\"sql\": \"SELECT 'last'\", \"every_seconds\": 600}");
    long execution =
        as(owner, "POST", "/v1/async/executions", "{\"sql\": \"SELECT 'last'\"}")
            .json()
            .get("id")
            .asLong();
    // As the bookkeeper records a run (its own tests cover how).
    api.jdbc()
        .sql(
            "update schedules set last_run_at = now(), last_execution_id = :e,"
                + " last_outcome = 'created' where id = :id")
        .param("e", execution)
        .param("id", id)
        .update();
    api.start(execution);

    JsonNode last = as(owner, "GET", SCHEDULES + "/" + id, null).json().get("last_run");
    assertThat(last.get("execution_id").asLong()).isEqualTo(execution);
    assertThat(last.get("status").asString()).isEqualTo("RUNNING");
    assertThat(last.get("outcome").asString()).isEqualTo("created");
    assertThat(last.has("error")).isFalse();
  }

  private Reply assertBad(String token, String json, String field) {
    return assertBad(token, SCHEDULES, "POST", json, field);
  }

  private Reply assertBad(String token, String path, String method, String json, String field) {
    Reply reply = as(token, method, path, json);
    assertThat(reply.status()).as("%s: %s", json, reply.text()).isEqualTo(400);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().get("field").asString()).as(json).isEqualTo(field);
    return reply;
  }
}
