package io.agp.api.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import io.agp.clickhouse.QuerySummary;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * The usage of interactive queries, against a real ClickHouse in JWT mode: each sync run and proxy
 * query is recorded once as it ends, for its user and tier, with its outcome, the bytes its client
 * was given and ClickHouse's figures from its answer (none from 18.16, which sends no summary). On
 * a tier that reads system.query_log, a query whose answer did not carry final figures awaits them
 * there, under the id it ran with (the bookkeeper's side: QueryLogStatsReaderTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteractiveUsageTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.auth.role-tiers.analyst=*",
          "--agp.api.rate-limit.requests-per-second=0",
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.logged.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.logged.read-query-log=true",
          // The test server (18.16) logs no queries unless told to.
          "--agp.tiers.logged.settings.log_queries=1");
  private final ContractClient client = api.client;
  private final String aliceName = "alice-" + UUID.randomUUID();
  private final String alice = TestTokens.signed(SECRET, aliceName, List.of());

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void syncRunsAndProxyQueriesAreRecordedWithTheirOutcomeAndFigures() {
    Reply ok =
        syncRun(alice, "/v1/sync/run?format=CSV", "SELECT number FROM system.numbers LIMIT 1000");
    assertThat(ok.status()).isEqualTo(200);
    Reply failed = syncRun(alice, "/v1/sync/run", "SELECT no_such_column");
    assertThat(failed.status()).isEqualTo(400);
    String sql = URLEncoder.encode("SELECT number FROM numbers(10)", StandardCharsets.UTF_8);
    Reply proxied =
        client.send(
            "GET",
            "/v1/chproxy/?query=" + sql,
            HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + alice));
    assertThat(proxied.status()).isEqualTo(200);

    await().until(() -> events("sync").size() == 2 && events("chproxy").size() == 1);
    Map<String, Object> run =
        events("sync").stream()
            .filter(e -> e.get("outcome").equals("succeeded"))
            .findFirst()
            .orElseThrow();
    assertThat(run.get("tier")).isEqualTo("default");
    assertThat(((Number) run.get("result_bytes")).longValue()).isEqualTo(ok.body().length);
    assertThat(events("sync")).extracting(e -> e.get("outcome")).contains("failed");
    Map<String, Object> proxy = events("chproxy").getFirst();
    assertThat(proxy.get("outcome")).isEqualTo("succeeded");
    assertThat(((Number) proxy.get("result_bytes")).longValue()).isEqualTo(proxied.body().length);
    // ClickHouse's own figures, as the answer's summary told them (nothing, on servers before
    // 22.5).
    Optional<QuerySummary> summary = QuerySummary.parse(proxied.header("x-clickhouse-summary"));
    assertThat(((Number) proxy.get("read_rows")).longValue())
        .isEqualTo(summary.map(QuerySummary::readRows).orElse(0L));
    assertThat(((Number) proxy.get("read_bytes")).longValue())
        .isEqualTo(summary.map(QuerySummary::readBytes).orElse(0L));

    new UsageRollups(api.jdbc()).rollUp(1000);
    JsonNode row =
        client
            .send(
                "GET",
                "/v1/usage?group_by=user",
                HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + alice))
            .json()
            .get("rows")
            .get(0);
    assertThat(row.get("sync_runs").asLong()).isEqualTo(2);
    assertThat(row.get("proxy_queries").asLong()).isEqualTo(1);
    assertThat(row.get("executions").asLong()).isZero();
    // The failed run passed nothing on: its error is the gateway's own problem.
    assertThat(row.get("result_bytes").asLong())
        .isEqualTo(ok.body().length + proxied.body().length);
  }

  @Test
  void onATierThatReadsTheQueryLogAQueryWithoutFinalFiguresAwaitsThemUnderItsId() {
    String carolName = "carol-" + UUID.randomUUID();
    String carol = TestTokens.signed(SECRET, carolName, List.of("analyst"));
    // Larger than ClickHouse's first buffer: its summary left with the head, before the end.
    Reply large =
        syncRun(
            carol,
            "/v1/sync/run?tier=logged&format=CSV",
            "SELECT number FROM system.numbers LIMIT 300000");
    assertThat(large.status()).isEqualTo(200);
    assertThat(large.body().length).isGreaterThan((int) QuerySummary.SERVER_BUFFER_BYTES);
    String small = URLEncoder.encode("SELECT number FROM numbers(10)", StandardCharsets.UTF_8);
    Reply proxied =
        client.send(
            "GET",
            "/v1/chproxy/?agp_tier=logged&query=" + small,
            HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + carol));
    assertThat(proxied.status()).isEqualTo(200);
    Reply failed = syncRun(carol, "/v1/sync/run?tier=logged", "SELECT throwIf(1)");
    assertThat(failed.status()).isEqualTo(400);

    await().until(() -> recorded("sync", carolName).size() == 2);
    await().until(() -> recorded("chproxy", carolName).size() == 1);
    List<Map<String, Object>> runs = recorded("sync", carolName);
    assertThat(runs).allSatisfy(e -> assertThat(e).containsEntry("waiting", true));
    assertThat(runs).extracting(e -> e.get("outcome")).containsExactly("succeeded", "failed");
    // Waiting apart, they are not in the journal the bookkeeper folds.
    assertThat(events("sync", carolName)).isEmpty();
    Map<String, Object> proxy = recorded("chproxy", carolName).getFirst();
    // A small answer carried the query's final summary (a server without one leaves it waiting).
    boolean summarized = proxied.header("x-clickhouse-summary") != null;
    assertThat(proxy).containsEntry("waiting", !summarized);
    // The id recorded is the one ClickHouse logged the query under.
    String queryId = (String) runs.getFirst().get("query_id");
    clickhouse.query("SYSTEM FLUSH LOGS");
    assertThat(
            Long.parseLong(
                clickhouse
                    .query(
                        "SELECT read_rows FROM system.query_log WHERE query_id = '"
                            + queryId
                            // A number up to 19.x, an enum after.
                            + "' AND toString(type) IN ('2', 'QueryFinish')")
                    .trim()))
        .isGreaterThanOrEqualTo(300_000);
    // The same query on a tier that does not read the log does not wait for it.
    Reply unlogged =
        syncRun(carol, "/v1/sync/run?format=CSV", "SELECT number FROM system.numbers LIMIT 300000");
    assertThat(unlogged.status()).isEqualTo(200);
    await().until(() -> recorded("sync", carolName).size() == 3);
    assertThat(recorded("sync", carolName).getFirst())
        .containsEntry("tier", "default")
        .containsEntry("waiting", false);
  }

  @Test
  void twoUsersWhoGiveTheirProxyQueriesOneIdEachAwaitOnlyTheirOwnQuery() {
    // Mallory names her query as Dave named his, hoping to be counted with his log row, or him
    // with hers: each query runs under an id that carries its user, so neither can reach the other.
    String daveName = "dave-" + UUID.randomUUID();
    String malloryName = "mallory-" + UUID.randomUUID();
    String shared = "report-" + UUID.randomUUID();
    String sql = URLEncoder.encode("SELECT throwIf(1)", StandardCharsets.UTF_8);
    for (String user : List.of(daveName, malloryName)) {
      Reply failed =
          client.send(
              "GET",
              "/v1/chproxy/?agp_tier=logged&query_id=" + shared + "&query=" + sql,
              HttpRequest.newBuilder()
                  .GET()
                  .header(
                      "Authorization",
                      "Bearer " + TestTokens.signed(SECRET, user, List.of("analyst"))));
      assertThat(failed.status()).isNotEqualTo(200);
    }

    // A failed query always waits for the log.
    await()
        .until(
            () ->
                recorded("chproxy", daveName).size() == 1
                    && recorded("chproxy", malloryName).size() == 1);
    Object davesId = recorded("chproxy", daveName).getFirst().get("query_id");
    Object mallorysId = recorded("chproxy", malloryName).getFirst().get("query_id");
    assertThat(davesId).isNotNull().isNotEqualTo(mallorysId);
    assertThat((String) davesId).endsWith(shared);
    assertThat((String) mallorysId).endsWith(shared);
  }

  @Test
  void onlyASucceededQueryWithASummaryAndASmallAnswerHasFinalFigures() {
    Optional<QuerySummary> summary =
        QuerySummary.parse("{\"read_rows\":\"10\",\"read_bytes\":\"80\"}");
    assertThat(UsageRecorder.finalFigures(UsageEvents.Outcome.SUCCEEDED, summary, 100)).isTrue();
    assertThat(
            UsageRecorder.finalFigures(
                UsageEvents.Outcome.SUCCEEDED, summary, QuerySummary.SERVER_BUFFER_BYTES))
        .isFalse();
    assertThat(UsageRecorder.finalFigures(UsageEvents.Outcome.SUCCEEDED, Optional.empty(), 100))
        .isFalse();
    assertThat(UsageRecorder.finalFigures(UsageEvents.Outcome.FAILED, summary, 100)).isFalse();
    assertThat(UsageRecorder.finalFigures(UsageEvents.Outcome.CANCELED, summary, 100)).isFalse();
  }

  @Test
  void figuresComeFromTheAnswersSummaryAndAreZeroWithout() {
    UsageEvents.QueryFigures told =
        UsageRecorder.figures(
            QuerySummary.parse(
                "{\"read_rows\":\"10\",\"read_bytes\":\"800\",\"written_rows\":\"0\","
                    + "\"elapsed_ns\":\"5000000\",\"peak_memory_usage\":\"4096\"}"),
            42);
    assertThat(told).isEqualTo(new UsageEvents.QueryFigures(10, 800, 42, 5, 4096));
    assertThat(UsageRecorder.figures(Optional.empty(), 7))
        .isEqualTo(new UsageEvents.QueryFigures(0, 0, 7, 0, 0));
  }

  private Reply syncRun(String token, String path, String sql) {
    return client.send(
        "POST",
        path,
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(sql)));
  }

  private List<Map<String, Object>> events(String kind) {
    return events(kind, aliceName);
  }

  /**
   * A user's interactive queries of a kind: those in the journal first, then those waiting for
   * their figures from system.query_log, each in the order recorded.
   */
  private List<Map<String, Object>> recorded(String kind, String owner) {
    return api.jdbc()
        .sql(
            """
            select tier, outcome, false as waiting, cast(null as text) as query_id, id
            from usage_events
            where kind = :kind and owner = :owner
            union all
            select tier, outcome, true, query_id, id
            from usage_awaiting_query_log
            where kind = :kind and owner = :owner
            order by waiting, id
            """)
        .param("kind", kind)
        .param("owner", owner)
        .query()
        .listOfRows();
  }

  private List<Map<String, Object>> events(String kind, String owner) {
    return api.jdbc()
        .sql("select * from usage_events where kind = :kind and owner = :owner order by id")
        .param("kind", kind)
        .param("owner", owner)
        .query()
        .listOfRows();
  }
}
