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
 * was given and ClickHouse's figures from its answer (none from 18.16, which sends no summary).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteractiveUsageTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.rate-limit.requests-per-second=0",
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl());
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
        client.send(
            "POST",
            "/v1/sync/run?format=CSV",
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + alice)
                .header("Content-Type", "text/plain")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "SELECT number FROM system.numbers LIMIT 1000")));
    assertThat(ok.status()).isEqualTo(200);
    Reply failed =
        client.send(
            "POST",
            "/v1/sync/run",
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + alice)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT no_such_column")));
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

  private List<Map<String, Object>> events(String kind) {
    return api.jdbc()
        .sql("select * from usage_events where kind = :kind and owner = :owner order by id")
        .param("kind", kind)
        .param("owner", aliceName)
        .query()
        .listOfRows();
  }
}
