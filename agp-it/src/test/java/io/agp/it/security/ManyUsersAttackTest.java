package io.agp.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.agp.it.security.Caller.Reply;
import io.agp.testkit.ClickHouseTestServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * What one user of a shared AGP can try against the others, in JWT mode against the real stack
 * (API, worker, PostgreSQL, ClickHouse): each test is one attack, and shows it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class ManyUsersAttackTest {

  private final SecureStack stack = SecureStack.start();
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  private final Caller alice = stack.as(Tokens.of("alice-" + run));
  private final Caller bob = stack.as(Tokens.of("bob-" + run));
  private final Caller carol = stack.as(Tokens.of("carol-" + run));
  private final Caller admin = stack.as(Tokens.admin("root-" + run));
  private final Caller tester = stack.as(tokenWithRoles("tess-" + run, "tester"));

  @AfterAll
  void stop() {
    stack.close();
  }

  private static String tokenWithRoles(String sub, String... roles) {
    return Tokens.of(sub, claims -> claims.claim("roles", List.of(roles)));
  }

  private static String json(String sql, String... more) {
    StringBuilder json = new StringBuilder("{\"sql\": \"" + sql + "\"");
    for (int i = 0; i < more.length; i += 2) {
      json.append(", \"").append(more[i]).append("\": ").append(more[i + 1]);
    }
    return json.append('}').toString();
  }

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }

  private static long id(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isIn(200, 201);
    return reply.json().get("id").asLong();
  }

  private static JsonNode awaitStatus(Caller caller, long id, String... statuses) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> caller.get("/v1/async/executions/" + id).json(),
            json -> List.of(statuses).contains(json.get("status").asString()));
  }

  private String statusInDatabase(long id) {
    return stack
        .jdbc
        .sql("select status from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }

  private long executionCount() {
    return stack.jdbc.sql("select count(*) from executions").query(Long.class).single();
  }

  // --- Ownership ---

  @Test
  void replaceNeverCancelsAnotherUsersExecution() {
    String queryId = "daily-report-" + run;
    Caller aliceOnTier = stack.onTierScope(Tokens.of("alice-" + run));
    Caller bobOnTier = stack.onTierScope(Tokens.of("bob-" + run));
    long ofAlice =
        id(aliceOnTier.create(json("SELECT sleep(3), 'alice'", "query_id", quoted(queryId))));
    awaitStatus(aliceOnTier, ofAlice, "RUNNING");

    // Sharing per tier, the query_id is shared: bob meets alice's execution, and may not replace
    // it, nor learn which it is.
    Reply refused =
        bobOnTier.create(json("SELECT 0", "query_id", quoted(queryId), "replace", "true"));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().has("execution_id")).isFalse();
    assertThat(refused.text())
        .doesNotContain(Long.toString(ofAlice))
        .doesNotContain("alice")
        .doesNotContain("sleep");
    // Sharing per user, bob's query_id is his own: a new execution, alice's untouched.
    Reply own = bob.create(json("SELECT 0", "query_id", quoted(queryId), "replace", "true"));
    assertThat(own.status()).isEqualTo(201);
    assertThat(own.json().has("replaced_execution_id")).isFalse();

    assertThat(statusInDatabase(ofAlice)).isEqualTo("RUNNING");
    JsonNode ended = awaitStatus(aliceOnTier, ofAlice, "SUCCEEDED", "FAILED", "CANCELED");
    assertThat(ended.get("status").asString()).isEqualTo("SUCCEEDED");
  }

  @Test
  void anotherUsersExecutionDoesNotExistForThem() {
    long ofAlice =
        id(alice.create(json("SELECT 'private " + run + "'", "labels", "{\"team\": \"ads\"}")));
    awaitStatus(alice, ofAlice, "SUCCEEDED");
    String queryId = alice.get("/v1/async/executions/" + ofAlice).json().get("query_id").asString();
    Reply missing = bob.get("/v1/async/executions/987654321");

    for (Reply reply :
        List.of(
            bob.get("/v1/async/executions/" + ofAlice),
            bob.get("/v1/async/executions/" + ofAlice + "?wait=5"),
            bob.get("/v1/async/executions/" + ofAlice + "/events"),
            bob.get("/v1/async/executions/" + ofAlice + "/result"),
            bob.post("/v1/async/executions/" + ofAlice + "/result-link"),
            bob.post("/v1/async/executions/" + ofAlice + "/cancel"))) {
      assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
      // The same answer as for an id that does not exist, but for the id itself.
      assertThat(withoutId(reply, ofAlice)).isEqualTo(withoutId(missing, 987654321));
    }
    assertThat(bob.postJson("/v1/async/search", "[{\"query_id\": \"" + queryId + "\"}]").text())
        .isEqualTo("[[]]");
    assertThat(bob.get("/v1/async/executions?query_id=" + queryId).json().get("executions"))
        .isEmpty();
    assertThat(bob.get("/v1/async/executions?created_by=alice-" + run).json().get("executions"))
        .isEmpty();
    // A subject is compared as it is written: one with a trailing space is another user.
    Caller lookalike = stack.as(Tokens.of("alice-" + run + " "));
    assertThat(lookalike.get("/v1/async/executions/" + ofAlice).status()).isEqualTo(404);
  }

  @Test
  void aJoinedExecutionIsNeverFoundByItsCreatorNameOrLabels() {
    Caller aliceOnTier = stack.onTierScope(Tokens.of("alice-" + run));
    Caller carolOnTier = stack.onTierScope(Tokens.of("carol-" + run));
    String sql = "SELECT sleep(1), 'joined filters " + run + "'";
    String name = "ads revenue " + run;
    long ofAlice =
        id(
            aliceOnTier.create(
                json(sql, "labels", "{\"team\": \"ads-" + run + "\"}", "name", quoted(name))));
    Reply joined = carolOnTier.create(json(sql));
    assertThat(joined.json().get("id").asLong()).isEqualTo(ofAlice);
    assertThat(joined.json().has("name")).isFalse();
    assertThat(carolOnTier.get("/v1/async/executions/" + ofAlice).json().has("name")).isFalse();

    // Carol sees it in her list, without its creator, name and labels, and no filter by any of
    // them finds it.
    assertThat(carolOnTier.get("/v1/async/executions").json().get("executions"))
        .anySatisfy(
            e -> {
              assertThat(e.get("id").asLong()).isEqualTo(ofAlice);
              assertThat(e.has("name")).isFalse();
            });
    assertThat(
            carolOnTier
                .get("/v1/async/executions?created_by=alice-" + run)
                .json()
                .get("executions"))
        .isEmpty();
    assertThat(
            carolOnTier.get("/v1/async/executions?label=team=ads-" + run).json().get("executions"))
        .isEmpty();
    String byName = "/v1/async/executions?name=" + name.replace(" ", "%20");
    assertThat(carolOnTier.get(byName).json().get("executions")).isEmpty();
    // Alice, who owns it, finds it by its label and by its name.
    assertThat(
            aliceOnTier.get("/v1/async/executions?label=team=ads-" + run).json().get("executions"))
        .anySatisfy(e -> assertThat(e.get("id").asLong()).isEqualTo(ofAlice));
    assertThat(aliceOnTier.get(byName).json().get("executions"))
        .singleElement()
        .satisfies(e -> assertThat(e.get("name").asString()).isEqualTo(name));
  }

  @Test
  void aCallerWhoCollapsesOntoAnotherUsersExecutionMayReadAndDownloadIt() {
    Caller aliceOnTier = stack.onTierScope(Tokens.of("alice-" + run));
    Caller carolOnTier = stack.onTierScope(Tokens.of("carol-" + run));
    String sql = "SELECT sleep(1), 'shared " + run + "' AS s";
    long ofAlice = id(aliceOnTier.create(json(sql, "labels", "{\"owner\": \"alice\"}")));

    Reply collapsed = carolOnTier.create(json(sql));
    assertThat(collapsed.status()).isEqualTo(200);
    assertThat(collapsed.json().get("collapsed").asBoolean()).isTrue();
    assertThat(collapsed.json().get("id").asLong()).isEqualTo(ofAlice);
    // Joined, not owned: the creator's name and labels stay hers, and only she may cancel it.
    assertThat(collapsed.json().has("created_by")).isFalse();
    assertThat(collapsed.json().get("labels").isEmpty()).isTrue();
    assertThat(carolOnTier.post("/v1/async/executions/" + ofAlice + "/cancel").status())
        .isEqualTo(403);

    awaitStatus(carolOnTier, ofAlice, "SUCCEEDED");
    Reply download = carolOnTier.get("/v1/async/executions/" + ofAlice + "/result");
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.body())
        .isEqualTo(aliceOnTier.get("/v1/async/executions/" + ofAlice + "/result").body());
    assertThat(carolOnTier.post("/v1/async/executions/" + ofAlice + "/result-link").status())
        .isEqualTo(200);
    Reply events = carolOnTier.get("/v1/async/executions/" + ofAlice + "/events");
    assertThat(events.status()).isEqualTo(200);
    assertThat(events.text()).contains("SUCCEEDED").doesNotContain("alice");
    assertThat(carolOnTier.get("/v1/async/executions").json().get("executions"))
        .anySatisfy(e -> assertThat(e.get("id").asLong()).isEqualTo(ofAlice));
    // An admin sees who joined.
    assertThat(admin.get("/v1/async/executions/" + ofAlice).json().get("readers").toString())
        .isEqualTo("[\"carol-" + run + "\"]");
  }

  @Test
  void sharingPerUserTwoUsersIdenticalQueriesNeverMeet() {
    String sql = "SELECT sleep(1), 'apart " + run + "'";
    long ofAlice = id(alice.create(json(sql)));
    Reply ofCarol = carol.create(json(sql));

    assertThat(ofCarol.status()).isEqualTo(201);
    assertThat(ofCarol.json().get("id").asLong()).isNotEqualTo(ofAlice);
    assertThat(carol.get("/v1/async/executions/" + ofAlice).status()).isEqualTo(404);
  }

  @Test
  void aCallerWhoReusesAnotherUsersResultMayDownloadIt() {
    Caller aliceOnTier = stack.onTierScope(Tokens.of("alice-" + run));
    Caller carolOnTier = stack.onTierScope(Tokens.of("carol-" + run));
    String sql = "SELECT 'reused " + run + "'";
    long ofAlice = id(aliceOnTier.create(json(sql)));
    awaitStatus(aliceOnTier, ofAlice, "SUCCEEDED");

    Reply reused = carolOnTier.create(json(sql, "max_age", "600"));

    assertThat(reused.json().get("reused").asBoolean()).isTrue();
    assertThat(reused.json().get("id").asLong()).isEqualTo(ofAlice);
    assertThat(carolOnTier.get("/v1/async/executions/" + ofAlice + "/result").status())
        .isEqualTo(200);
  }

  /** A problem's text with the execution id it names replaced, and the request path left out. */
  private static String withoutId(Reply reply, long id) {
    JsonNode problem = reply.json();
    return problem.get("status")
        + " "
        + problem.get("title").asString()
        + " "
        + problem.get("detail").asString().replace("execution " + id + " ", "execution ID ")
        + " "
        + problem.propertyNames();
  }

  // --- Tokens ---

  static Stream<Arguments> badTokens() {
    Instant now = Instant.now();
    return Stream.of(
        Arguments.of("no sub", claims(Tokens.good(null))),
        Arguments.of("a blank sub", claims(Tokens.good(" "))),
        Arguments.of("no exp", claims(Tokens.good("eve").expirationTime(null))),
        Arguments.of(
            "expired beyond the clock skew",
            claims(Tokens.good("eve").expirationTime(Date.from(now.minusSeconds(30))))),
        Arguments.of(
            "not valid yet",
            claims(Tokens.good("eve").notBeforeTime(Date.from(now.plusSeconds(120))))),
        Arguments.of("another issuer", claims(Tokens.good("eve").issuer("https://evil.example"))),
        Arguments.of("another audience", claims(Tokens.good("eve").audience("other-app"))),
        Arguments.of("no issuer", claims(Tokens.good("eve").issuer(null))),
        Arguments.of("no audience", claims(Tokens.good("eve").audience((String) null))),
        Arguments.of(
            "HS512",
            Tokens.signed(
                JWSAlgorithm.HS512, Tokens.SECRET + Tokens.SECRET, Tokens.good("eve").build())),
        Arguments.of("another key", Tokens.signed(JWSAlgorithm.HS256, "x".repeat(40), claims())),
        Arguments.of("no signature (alg none)", Tokens.unsigned(Tokens.good("eve").build())),
        Arguments.of("garbage", "not.a.token"));
  }

  private static String claims(JWTClaimsSet.Builder claims) {
    return Tokens.signed(JWSAlgorithm.HS256, Tokens.SECRET, claims.build());
  }

  private static JWTClaimsSet claims() {
    return Tokens.good("eve").build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTokens")
  void aTokenThatIsIncompleteForgedOrOutOfDateIs401Everywhere(String what, String token) {
    long existing = id(alice.create(json("SELECT 'target " + run + "'")));
    long before = executionCount();
    Caller eve = stack.as(token);

    for (Reply reply :
        List.of(
            eve.get("/v1/async/executions"),
            eve.create(json("SELECT 1")),
            eve.postSql("/v1/async/executions", "SELECT 1"),
            eve.get("/v1/async/executions/" + existing),
            eve.post("/v1/async/executions/" + existing + "/cancel"),
            eve.postJson("/v1/async/search", "[{\"query_id\": \"x\"}]"))) {
      assertThat(reply.status()).as(what + ": " + reply).isEqualTo(401);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
    }
    assertThat(executionCount()).isEqualTo(before);
  }

  @Test
  void aTokenExpiredWithinTheClockSkewIsStillAccepted() {
    String token =
        Tokens.of("dan-" + run, c -> c.expirationTime(Date.from(Instant.now().minusSeconds(2))));

    assertThat(stack.as(token).get("/v1/async/executions").status()).isEqualTo(200);
  }

  // --- Tiers ---

  @Test
  void aTokenWithoutATierUsesTheDefaultTierOnly() {
    Reply vip = bob.create(json("SELECT 'vip " + run + "'", "tier", quoted("vip")));
    assertThat(vip.status()).isEqualTo(403);
    assertThat(vip.json().get("field").asString()).isEqualTo("tier");
    assertThat(bob.create(json("SELECT 'plain " + run + "'")).json().get("tier").asString())
        .isEqualTo("default");

    // A role that the configuration maps to vip opens it; a tier claim makes it the default.
    Caller vipAnalyst = stack.as(tokenWithRoles("val-" + run, "vip-analyst"));
    assertThat(vipAnalyst.create(json("SELECT 'v " + run + "'", "tier", quoted("vip"))).status())
        .isEqualTo(201);
    Caller claimed = stack.as(Tokens.of("cid-" + run, c -> c.claim("tier", List.of("vip"))));
    assertThat(claimed.create(json("SELECT 'c " + run + "'")).json().get("tier").asString())
        .isEqualTo("vip");
    assertThat(claimed.create(json("SELECT 'd " + run + "'", "tier", quoted("default"))).status())
        .isEqualTo(403);
  }

  @Test
  void theQuotaKeyClaimIsTheClickHouseQuotaKey() {
    Caller dave =
        stack.as(
            Tokens.of(
                "dave-" + run,
                c -> c.claim("roles", List.of("tester")).claim("quota_key", "team-ads")));
    String marker = "quota-marker-" + run;
    long id =
        id(
            dave.create(
                json(
                    "SELECT quota_key FROM system.processes WHERE query LIKE '%" + marker + "%'",
                    "tier",
                    quoted("keyed"),
                    "format",
                    quoted("TSV"))));

    awaitStatus(dave, id, "SUCCEEDED", "FAILED");
    assertThat(dave.get("/v1/async/executions/" + id + "/result").text().strip())
        .isEqualTo("team-ads");
  }

  // --- Limits a query cannot lift ---

  @Test
  void theWorkerStopsAQueryAtItsTiersMaxRunTime() {
    String marker = "run-time-" + run;
    long id =
        id(
            tester.create(
                json(
                    "SELECT count() FROM numbers(100000000000) WHERE '" + marker + "' != ''",
                    "tier",
                    quoted("short"))));

    JsonNode failed = awaitStatus(tester, id, "SUCCEEDED", "FAILED", "CANCELED");

    assertThat(failed.get("status").asString()).isEqualTo("FAILED");
    assertThat(failed.get("error").asString()).contains("max-run-time").contains("2s");
    long ranMillis =
        Duration.between(
                Instant.parse(failed.get("picked_at").asString()),
                Instant.parse(failed.get("completed_at").asString()))
            .toMillis();
    assertThat(ranMillis).isBetween(1_900L, 10_000L);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ClickHouseTestServer.shared()
                    .query(
                        "SELECT count() FROM system.processes WHERE query LIKE '%"
                            + marker
                            + "%' AND query NOT LIKE '%system.processes%'")
                    .strip(),
            "0"::equals);
  }

  @Test
  void aQueryMayNotSetALockedSettingAnywhereInIt() {
    long before = executionCount();
    for (String sql :
        List.of(
            "SELECT count() FROM numbers(1e11) SETTINGS max_execution_time = 0",
            "SELECT * FROM (SELECT 1 SETTINGS readonly = 0)",
            "SELECT 1 settings max_threads=1, result_overflow_mode='break'")) {
      Reply refused = tester.create(json(sql.replace("'", "\\u0027")));
      assertThat(refused.status()).as(sql).isEqualTo(400);
      assertThat(refused.json().get("field").asString()).isEqualTo("sql");
      assertThat(refused.json().get("detail").asString())
          .containsAnyOf("max_execution_time", "readonly", "result_overflow_mode");
    }
    assertThat(executionCount()).isEqualTo(before);
    // A setting the tier leaves open is fine.
    assertThat(tester.create(json("SELECT 1 SETTINGS max_threads = 1")).status()).isEqualTo(201);
  }

  // --- One ClickHouse user for the whole tier: what SQL and URL settings may reach there ---

  /** The three ways a user sends SQL to ClickHouse: a create, the sync run, the proxy. */
  private List<Reply> everyWay(Caller caller, String sql) {
    return List.of(
        caller.create(json(sql.replace("'", "\\u0027"))),
        caller.postSql("/v1/sync/run", sql),
        caller.postSql("/v1/chproxy/", sql));
  }

  private void refusedEveryWay(Caller caller, String sql, String named) {
    long before = executionCount();
    for (Reply reply : everyWay(caller, sql)) {
      assertThat(reply.status()).as("%s: %s", sql, reply).isEqualTo(400);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.json().get("field").asString()).isEqualTo("sql");
      assertThat(reply.json().get("detail").asString()).contains(named);
    }
    assertThat(executionCount()).isEqualTo(before);
  }

  @Test
  void noUserReadsAnotherUsersSqlFromTheSystemTables() {
    String secret = "alice-secret-" + run;
    long ofAlice = id(alice.create(json("SELECT sleep(3), '" + secret + "'")));
    awaitStatus(alice, ofAlice, "RUNNING");

    refusedEveryWay(bob, "SELECT query, query_id FROM system.processes", "system.processes");
    refusedEveryWay(bob, "SELECT query FROM system.query_log", "system.query_log");
    refusedEveryWay(bob, "SELECT query FROM `system`.`Processes`", "system.processes");
    refusedEveryWay(bob, "SHOW PROCESSLIST", "system.processes");
    refusedEveryWay(bob, "SELECT * FROM merge('system', '^processes$')", "merge");
    // Nor kills it: KILL acts on system.processes, which readonly lets through.
    refusedEveryWay(bob, "KILL QUERY WHERE query LIKE '%" + secret + "%'", "system.processes");
    assertThat(
            awaitStatus(alice, ofAlice, "SUCCEEDED", "FAILED", "CANCELED").get("status").asString())
        .isEqualTo("SUCCEEDED");
    // The catalogue stays open.
    assertThat(
            bob.postSql("/v1/sync/run?format=TSV", "SELECT count() > 0 FROM system.tables").text())
        .isEqualTo("1\n");
  }

  @Test
  void clickHouseReachesNoOtherAddressForAUser() {
    String agp = "http://127.0.0.1:" + stack.apiPort() + "/v1/async/executions";
    refusedEveryWay(bob, "SELECT * FROM url('" + agp + "', TSV, 'x String')", "url");
    refusedEveryWay(bob, "SELECT * FROM remote('127.0.0.1:9000', system.one)", "remote");
    refusedEveryWay(bob, "SELECT * FROM cluster('any', system.one)", "cluster");
    refusedEveryWay(bob, "SELECT * FROM file('x.csv', CSV, 'x UInt8')", "file");
    refusedEveryWay(bob, "SELECT * FROM numbers(3) AS n, s3('http://x/y', CSV)", "s3");
    // The harmless table functions stay open.
    assertThat(bob.postSql("/v1/sync/run?format=TSV", "SELECT sum(number) FROM numbers(4)").text())
        .isEqualTo("6\n");
  }

  @Test
  void aHeredocCannotHideASettingFromAnyVersionOfClickHouse() {
    refusedEveryWay(
        bob,
        "SELECT 1 AS $a, 2 AS b$ SETTINGS max_execution_time = 0 -- $a, 2 AS b$",
        "read this SQL differently");
    refusedEveryWay(bob, "SELECT $q$ SETTINGS max_threads = 1 $q$", "read this SQL differently");
  }

  @Test
  void urlSettingsOfTheProxyAreAnAllowList() {
    for (String setting :
        List.of(
            "http_response_headers=%7B%27Content-Type%27%3A%27text%2Fhtml%27%7D",
            "role=admin",
            "log_queries=0",
            "max_result_rows_leaf=0",
            "result_overflow_mode_leaf=break",
            "a_setting_of_a_future_clickhouse=1",
            "max_threads=64")) {
      Reply reply = bob.postSql("/v1/chproxy/?" + setting, "SELECT 1");
      assertThat(reply.status()).as(setting).isEqualTo(400);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.json().get("field").asString()).isEqualTo(setting.split("=")[0]);
    }
    assertThat(bob.postSql("/v1/chproxy/?database=system", "SELECT 1").status()).isEqualTo(400);
    // What a BI tool sets passes.
    Reply allowed =
        bob.postSql(
            "/v1/chproxy/?max_threads=2&output_format_json_quote_64bit_integers=0"
                + "&default_format=JSONEachRow",
            "SELECT toUInt64(1) AS n");
    assertThat(allowed.status()).isEqualTo(200);
    assertThat(allowed.text()).isEqualTo("{\"n\":1}\n");
  }

  @Test
  void theProxysAnswerCanNeverBeAPageOfAgpsOrigin() {
    for (Reply reply :
        List.of(
            bob.postSql("/v1/chproxy/?default_format=TSV", "SELECT '<script>alert(1)</script>'"),
            bob.postSql("/v1/chproxy/", "SELEC 1"))) {
      assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(reply.header("Content-Security-Policy")).isEqualTo("default-src 'none'; sandbox");
      assertThat(reply.header("Content-Type")).doesNotContainIgnoringCase("html");
    }
  }

  @Test
  void aPreviewOfAHugeRowAnswersWithinItsBounds() {
    long id =
        id(
            bob.create(
                json(
                    "SELECT groupArray(toUInt32(number)) AS a FROM numbers(10000000)",
                    "format",
                    quoted("JSONEachRow"))));
    JsonNode done = awaitStatus(bob, id, "SUCCEEDED", "FAILED");
    assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(done.get("result").get("bytes").asLong()).isGreaterThan(70_000_000L);

    long start = System.nanoTime();
    Reply preview = bob.get("/v1/async/executions/" + id + "/result/preview?rows=10");
    long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertThat(preview.status()).isEqualTo(200);
    assertThat(preview.body().length).isLessThan(1_100_000);
    assertThat(preview.json().get("cut").toString()).isEqualTo("[[0,0]]");
    assertThat(preview.json().get("rows").get(0).get(0).get(0).asLong()).isZero();
    System.out.printf(
        "preview of a row of %d bytes: %d bytes in %d ms%n",
        done.get("result").get("bytes").asLong(), preview.body().length, millis);
  }

  @Test
  void oneUserCannotTakeEveryEventStreamDownloadOrInteractiveSlot() throws Exception {
    Caller hog = stack.as(Tokens.of("hog-" + run));
    Caller other = stack.as(Tokens.of("other-" + run));
    long running = id(hog.create(json("SELECT sleep(3), 'held " + run + "'")));
    long done = id(hog.create(json("SELECT 'download " + run + "', number FROM numbers(200000)")));
    awaitStatus(hog, done, "SUCCEEDED");
    long othersRunning = id(other.create(json("SELECT sleep(3), 'other held " + run + "'")));
    List<Caller.Opened> held = new ArrayList<>();
    try {
      // Event streams: three each.
      for (int i = 0; i < 3; i++) {
        held.add(hog.open("/v1/async/executions/" + running + "/events"));
        assertThat(held.getLast().status()).isEqualTo(200);
      }
      Caller.Opened fourth = hog.open("/v1/async/executions/" + running + "/events");
      assertThat(fourth.status()).isEqualTo(429);
      assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
      fourth.close();
      try (Caller.Opened others = other.open("/v1/async/executions/" + othersRunning + "/events")) {
        assertThat(others.status()).isEqualTo(200);
      }
      // Downloads: two each.
      for (int i = 0; i < 2; i++) {
        held.add(hog.open("/v1/async/executions/" + done + "/result"));
        assertThat(held.getLast().status()).isEqualTo(200);
        held.getLast().body().readNBytes(1024);
      }
      Reply third = hog.get("/v1/async/executions/" + done + "/result");
      assertThat(third.status()).isEqualTo(429);
      assertThat(third.header("Content-Type")).startsWith("application/problem+json");
    } finally {
      for (Caller.Opened opened : held) {
        opened.close();
      }
    }
    // Interactive queries: two each (the tier's interactive.concurrency-per-user by default).
    ExecutorService runs = Executors.newFixedThreadPool(2);
    try {
      String slow =
          "SELECT sleepEachRow(0.3), 'slot "
              + run
              + "' FROM numbers(10) SETTINGS max_block_size = 1";
      List<Future<Reply>> slots = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        slots.add(runs.submit(() -> hog.postSql("/v1/sync/run", slow)));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  ClickHouseTestServer.shared()
                      .query(
                          "SELECT count() FROM system.processes WHERE query LIKE '%slot "
                              + run
                              + "%' AND query NOT LIKE '%system.processes%'")
                      .strip(),
              "2"::equals);
      Reply third = hog.postSql("/v1/sync/run", "SELECT 1");
      assertThat(third.status()).isEqualTo(429);
      assertThat(third.header("Retry-After")).isNotBlank();
      assertThat(other.postSql("/v1/sync/run?format=TSV", "SELECT 1").text()).isEqualTo("1\n");
      for (Future<Reply> slot : slots) {
        assertThat(slot.get().status()).isEqualTo(200);
      }
    } finally {
      runs.shutdownNow();
    }
  }

  @Test
  void tiersAreReadOnlyUnlessTheySayOtherwise() {
    String table = "attack_" + run.replace('-', '_');
    long id = id(bob.create(json("CREATE TABLE " + table + " (x UInt8) ENGINE = Memory")));

    JsonNode failed = awaitStatus(bob, id, "SUCCEEDED", "FAILED");

    assertThat(failed.get("status").asString()).isEqualTo("FAILED");
    assertThat(failed.get("error").asString()).contains("readonly");
    assertThat(ClickHouseTestServer.shared().query("EXISTS TABLE " + table).strip()).isEqualTo("0");
  }

  @Test
  void aUsersExecutionsInFlightAreCappedPerTier() {
    Caller tess = tester;
    Caller other = stack.as(tokenWithRoles("tom-" + run, "tester"));
    long first = id(tess.create(json("SELECT 'cap 1 " + run + "'", "tier", quoted("capped"))));
    id(tess.create(json("SELECT 'cap 2 " + run + "'", "tier", quoted("capped"))));

    Reply third = tess.create(json("SELECT 'cap 3 " + run + "'", "tier", quoted("capped")));
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("Retry-After")).matches("\\d+");
    assertThat(third.header("Content-Type")).startsWith("application/problem+json");
    // Joining one of their own adds nothing in flight; another user has room of their own.
    assertThat(tess.create(json("SELECT 'cap 1 " + run + "'", "tier", quoted("capped"))).status())
        .isEqualTo(200);
    assertThat(other.create(json("SELECT 'cap 1 " + run + "'", "tier", quoted("capped"))).status())
        .isEqualTo(201);
    // Once one has ended there is room again.
    assertThat(tess.post("/v1/async/executions/" + first + "/cancel").status()).isEqualTo(200);
    assertThat(tess.create(json("SELECT 'cap 3 " + run + "'", "tier", quoted("capped"))).status())
        .isEqualTo(201);
  }

  @Test
  void eachUsersRequestsAreRateLimited() {
    Caller greedy = stack.onTierScope(Tokens.of("greedy-" + run));
    Caller patient = stack.onTierScope(Tokens.of("patient-" + run));

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      statuses.add(greedy.get("/v1/async/executions?limit=1").status());
    }
    Reply limited = greedy.get("/v1/async/executions?limit=1");

    assertThat(statuses).contains(200).contains(429).containsOnly(200, 429);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Retry-After")).matches("\\d+");
    assertThat(limited.header("Content-Type")).startsWith("application/problem+json");
    assertThat(patient.get("/v1/async/executions?limit=1").status()).isEqualTo(200);
  }

  // --- Edges ---

  @Test
  void metricsAndTheOtherActuatorEndpointsNeedTheAdminRole() {
    Caller anonymous = stack.as(null);

    assertThat(anonymous.get("/actuator/health").status()).isEqualTo(200);
    assertThat(anonymous.get("/actuator/health/readiness").status()).isEqualTo(200);
    assertThat(anonymous.get("/actuator/prometheus").status()).isEqualTo(401);
    assertThat(bob.get("/actuator/prometheus").status()).isEqualTo(403);
    assertThat(bob.get("/actuator/info").status()).isEqualTo(403);
    Reply metrics = admin.get("/actuator/prometheus");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text()).contains("agp_api_executions_total");
  }

  @Test
  void listsShowTheStartOfLongSqlAndGetShowsItWhole() {
    Caller lister = stack.as(tokenWithRoles("lister-" + run, "tester"));
    String filler = "x".repeat(500_000);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(
          id(
              lister.create(
                  json("SELECT length('" + filler + i + "')", "tier", quoted("idle"))
                      .replace("'", "\\u0027"))));
    }

    Reply page = lister.get("/v1/async/executions?limit=10");

    assertThat(page.body().length).isLessThan(20_000);
    assertThat(page.json().get("executions"))
        .hasSize(3)
        .allSatisfy(
            e -> {
              assertThat(e.get("sql").asString().getBytes(StandardCharsets.UTF_8))
                  .hasSizeBetween(4000, 4096);
              assertThat(e.get("sql_truncated").asBoolean()).isTrue();
            });
    Reply search =
        lister.postJson(
            "/v1/async/search",
            "[{\"query_id\": \""
                + page.json().get("executions").get(0).get("query_id").asString()
                + "\", \"statuses\": [\"PENDING\"]}]");
    assertThat(search.body().length).isLessThan(10_000);
    JsonNode whole = lister.get("/v1/async/executions/" + ids.getFirst()).json();
    assertThat(whole.get("sql").asString()).hasSize(500_000 + 18);
    assertThat(whole.has("sql_truncated")).isFalse();
  }

  @Test
  void aListPageIsBoundedInBytes() {
    Caller lister = stack.as(tokenWithRoles("pager-" + run, "tester"));
    String filler = "y".repeat(4000);
    for (int i = 0; i < 700; i++) {
      id(lister.create(json("SELECT '" + filler + i + "'", "tier", quoted("idle"))));
    }

    Reply first = lister.get("/v1/async/executions?limit=1000");
    JsonNode page = first.json();
    assertThat(first.body().length).isLessThan(3 * 1024 * 1024);
    assertThat(page.get("executions").size()).isBetween(100, 699);
    assertThat(page.get("cursor").isNull()).isFalse();
    Reply second =
        lister.get("/v1/async/executions?limit=1000&cursor=" + page.get("cursor").asString());
    assertThat(page.get("executions").size() + second.json().get("executions").size())
        .isEqualTo(700);
  }

  @Test
  void aBrowserPageOfAnotherSiteCannotChangeAnything() {
    long before = executionCount();

    Reply byOrigin =
        bob.postSql(
            "/v1/async/executions", "SELECT 'csrf " + run + "'", "Origin", "https://evil.example");
    Reply byFetchSite =
        bob.postSql(
            "/v1/async/executions", "SELECT 'csrf " + run + "'", "Sec-Fetch-Site", "cross-site");

    assertThat(byOrigin.status()).isEqualTo(403);
    assertThat(byFetchSite.status()).isEqualTo(403);
    assertThat(byOrigin.header("Content-Type")).startsWith("application/problem+json");
    assertThat(executionCount()).isEqualTo(before);
    assertThat(
            bob.postSql(
                    "/v1/async/executions",
                    "SELECT 'same origin " + run + "'",
                    "Sec-Fetch-Site",
                    "same-origin")
                .status())
        .isEqualTo(201);
  }

  @Test
  void queryParametersAppearNowhereButInClickHouse(CapturedOutput output) throws Exception {
    String secret = "hunter2-" + run;
    Reply created =
        bob.create(
            json("SELECT {customer:String}", "parameters", "{\"customer\": \"" + secret + "\"}"));
    long id = id(created);
    JsonNode ended = awaitStatus(bob, id, "SUCCEEDED", "FAILED");

    assertThat(created.text()).doesNotContain(secret);
    assertThat(ended.toString()).doesNotContain(secret);
    assertThat(admin.get("/v1/async/executions/" + id).text()).doesNotContain(secret);
    assertThat(admin.get("/actuator/prometheus").text()).doesNotContain(secret);
    assertThat(output.getAll()).doesNotContain(secret);
    // The default query_id is keyed: the plain digest of the request is not it, so that whoever
    // sees the hash cannot test guesses of the parameters offline.
    String plain =
        plainDigest(
            "SELECT {customer:String}", "JSON", Map.of("customer", secret, "\0tier", "default"));
    assertThat(created.json().get("query_id").asString()).isNotEqualTo(plain);
    assertThat(created.json().get("query_hash").asString()).isNotEqualTo(plain);
  }

  /** SHA-256 over the request, as the query hash was computed before it had a key. */
  private static String plainDigest(String sql, String format, Map<String, String> parameters)
      throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Map<String, String> fields = new TreeMap<>();
    List<String[]> parts = new ArrayList<>();
    parts.add(new String[] {"sql", sql});
    parts.add(new String[] {"format", format});
    fields.putAll(parameters);
    fields.forEach((name, value) -> parts.add(new String[] {"p:" + name, value}));
    for (String[] part : parts) {
      for (String text : part) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(
            new byte[] {
              (byte) (bytes.length >>> 24),
              (byte) (bytes.length >>> 16),
              (byte) (bytes.length >>> 8),
              (byte) bytes.length
            });
        digest.update(bytes);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
