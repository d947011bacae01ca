package io.agp.api.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import io.agp.execution.AttemptId;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultMetadata;
import io.agp.usage.UsageRollups;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/usage} in JWT mode with several users: executions of two users, run to each end
 * with known figures and folded as the bookkeeper folds them, add up exactly to the executions' own
 * columns; a user never sees another's usage, whatever they ask; an admin sees everyone's and the
 * top users; CSV says what JSON says; a download's bytes are recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";
  private static final List<ResultMetadata.Column> COLUMNS =
      List.of(new ResultMetadata.Column("n", "UInt8"));

  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.rate-limit.requests-per-second=0");
  private final ContractClient client = api.client;
  private final String aliceName = "alice-" + UUID.randomUUID();
  private final String bobName = "bob-" + UUID.randomUUID();
  private final String alice = TestTokens.signed(SECRET, aliceName, List.of());
  private final String bob = TestTokens.signed(SECRET, bobName, List.of());
  private final String admin = TestTokens.signed(SECRET, "root", List.of("admin"));
  // Downloads only: her executions are not in the known set.
  private final String carolName = "carol-" + UUID.randomUUID();
  private final String carol = TestTokens.signed(SECRET, carolName, List.of());
  private final UsageRollups rollups = new UsageRollups(api.jdbc());

  @BeforeAll
  void runExecutionsOfTwoUsers() throws Exception {
    // Alice: two succeeded, one failed, one canceled while running; Bob: one of each end, and
    // more bytes read, so that he tops her.
    succeed(alice, new QueryStats(1000, 64_000, 5_000_000L, 120L, QueryStats.Source.SUMMARY), 17);
    succeed(alice, new QueryStats(7, 512, 4_096L, 3L, QueryStats.Source.QUERY_LOG), 40);
    fail(alice, new QueryStats(300, 9_000, 8_000_000L, 55L, QueryStats.Source.PROGRESS));
    cancelRunning(alice);
    succeed(
        bob, new QueryStats(50_000, 4_000_000, 30_000_000L, 2_500L, QueryStats.Source.SUMMARY), 99);
    fail(bob, null);
    cancelRunning(bob);
    fold();
  }

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void usageAddsUpExactlyToTheExecutionsOwnFigures() {
    for (String[] user : new String[][] {{aliceName, alice}, {bobName, bob}}) {
      JsonNode rows = usage(user[1], "").json().get("rows");
      assertThat(rows).hasSize(1);
      JsonNode row = rows.get(0);
      Map<String, Long> expected = executionFigures(user[0]);
      assertThat(row.get("user").asString()).isEqualTo(user[0]);
      assertThat(row.get("tier").asString()).isEqualTo("default");
      assertThat(row.get("day").asString()).isEqualTo(today().toString());
      assertThat(row.get("hour").isNull()).isTrue();
      assertThat(row.get("executions").asLong()).isEqualTo(expected.get("executions"));
      assertThat(row.get("executions_succeeded").asLong()).isEqualTo(expected.get("succeeded"));
      assertThat(row.get("executions_failed").asLong()).isEqualTo(expected.get("failed"));
      assertThat(row.get("executions_canceled").asLong()).isEqualTo(expected.get("canceled"));
      assertThat(row.get("read_rows").asLong()).isEqualTo(expected.get("read_rows"));
      assertThat(row.get("read_bytes").asLong()).isEqualTo(expected.get("read_bytes"));
      assertThat(row.get("result_bytes").asLong()).isEqualTo(expected.get("result_bytes"));
      assertThat(Math.round(row.get("server_seconds").asDouble() * 1000))
          .isEqualTo(expected.get("server_ms"));
      assertThat(row.get("peak_memory_bytes").asLong()).isEqualTo(expected.get("peak_memory"));
      assertThat(Math.round(row.get("queue_seconds").asDouble() * 1000))
          .isEqualTo(expected.get("queue_ms"));
      assertThat(row.get("sync_runs").asLong()).isZero();
      assertThat(row.get("proxy_queries").asLong()).isZero();
    }
    // The known set itself, so that a sum over nothing cannot pass.
    Map<String, Long> aliceFigures = executionFigures(aliceName);
    assertThat(aliceFigures.get("executions")).isEqualTo(4);
    assertThat(aliceFigures.get("read_bytes")).isEqualTo(64_000 + 512 + 9_000);
    assertThat(aliceFigures.get("result_bytes")).isEqualTo(17 + 40);
    assertThat(aliceFigures.get("server_ms")).isEqualTo(120 + 3 + 55);
    assertThat(aliceFigures.get("peak_memory")).isEqualTo(8_000_000);
  }

  @Test
  void aUserNeverSeesAnothersUsageWhateverTheyAsk() {
    for (String query :
        List.of(
            "",
            "?group_by=user",
            "?group_by=tier",
            "?granularity=hour",
            "?granularity=hour&group_by=user",
            "?group_by=user&top=10&order_by=read_bytes",
            "?user=" + aliceName,
            "?tier=default")) {
      Reply reply = usage(alice, query);
      assertThat(reply.status()).as(query).isEqualTo(200);
      for (JsonNode row : reply.json().get("rows")) {
        if (!row.get("user").isNull()) {
          assertThat(row.get("user").asString()).as(query).isEqualTo(aliceName);
        }
      }
    }
    // A tier's totals, for her, are hers alone.
    JsonNode tier = usage(alice, "?group_by=tier").json().get("rows").get(0);
    assertThat(tier.get("user").isNull()).isTrue();
    assertThat(tier.get("read_bytes").asLong())
        .isEqualTo(executionFigures(aliceName).get("read_bytes"));
    JsonNode users = usage(alice, "?group_by=user").json().get("rows");
    assertThat(users).hasSize(1);
    assertThat(users.get(0).get("user").asString()).isEqualTo(aliceName);
    assertThat(users.get(0).get("tier").isNull()).isTrue();
    assertThat(users.get(0).get("day").isNull()).isTrue();

    Reply other = usage(alice, "?user=" + bobName);
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.header("content-type")).startsWith("application/problem+json");
    assertThat(other.json().get("field").asString()).isEqualTo("user");
    assertThat(usage(alice, "?user=" + bobName + "&format=csv").status()).isEqualTo(403);
  }

  @Test
  void anAdminSeesEveryUserAndTheTopOnesByAFigure() {
    JsonNode users = usage(admin, "?group_by=user").json().get("rows");
    List<String> names = new ArrayList<>();
    users.forEach(row -> names.add(row.get("user").asString()));
    assertThat(names).contains(aliceName, bobName);

    JsonNode top = usage(admin, "?group_by=user&top=1").json().get("rows");
    assertThat(top).hasSize(1);
    assertThat(top.get(0).get("user").asString()).isEqualTo(bobName);
    // Alice ended more executions than Bob (and anyone else).
    JsonNode byExecutions =
        usage(admin, "?group_by=user&top=1&order_by=executions").json().get("rows");
    assertThat(byExecutions.get(0).get("user").asString()).isEqualTo(aliceName);

    JsonNode onlyBob = usage(admin, "?user=" + bobName).json().get("rows");
    assertThat(onlyBob).hasSize(1);
    assertThat(onlyBob.get(0).get("read_bytes").asLong()).isEqualTo(4_000_000);

    JsonNode tiers = usage(admin, "?group_by=tier").json().get("rows");
    assertThat(tiers.get(0).get("tier").asString()).isEqualTo("default");
    assertThat(tiers.get(0).get("user").isNull()).isTrue();
    assertThat(tiers.get(0).get("executions").asLong()).isGreaterThanOrEqualTo(7);
  }

  @Test
  void csvSaysWhatJsonSays() {
    for (String query : List.of("?group_by=day", "?group_by=user", "?group_by=tier")) {
      JsonNode json = usage(admin, query).json();
      Reply csv =
          client.send(
              "GET",
              "/v1/usage" + query,
              HttpRequest.newBuilder()
                  .GET()
                  .header("Authorization", "Bearer " + admin)
                  .header("Accept", "text/csv"));
      assertThat(csv.status()).isEqualTo(200);
      assertThat(csv.header("content-type")).startsWith("text/csv");
      String[] lines = csv.text().split("\r\n");
      String[] header = lines[0].split(",");
      assertThat(lines).hasSize(json.get("rows").size() + 1);
      for (int i = 0; i < json.get("rows").size(); i++) {
        JsonNode row = json.get("rows").get(i);
        String[] fields = lines[i + 1].split(",", -1);
        assertThat(fields).hasSameSizeAs(header);
        List<String> names = new ArrayList<>();
        row.properties().forEach(e -> names.add(e.getKey()));
        assertThat(header).containsExactlyElementsOf(names);
        for (int f = 0; f < header.length; f++) {
          JsonNode value = row.get(header[f]);
          if (value.isNull()) {
            assertThat(fields[f]).as(header[f]).isEmpty();
          } else if (value.isNumber()) {
            assertThat(Double.parseDouble(fields[f])).as(header[f]).isEqualTo(value.asDouble());
          } else {
            assertThat(fields[f]).as(header[f]).isEqualTo(value.asString());
          }
        }
      }
      assertThat(usage(admin, query + "&format=csv").text()).isEqualTo(csv.text());
      // Both at the same weight, as a generated client asks: JSON.
      Reply both =
          client.send(
              "GET",
              "/v1/usage" + query,
              HttpRequest.newBuilder()
                  .GET()
                  .header("Authorization", "Bearer " + admin)
                  .header("Accept", "application/json, text/csv"));
      assertThat(both.header("content-type")).startsWith("application/json");
    }
  }

  @Test
  void aDownloadsBytesAreRecordedOnceForItsUser() throws Exception {
    byte[] stored = "n\n1\n2\n3\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    long id = created(carol, "?format=CSV");
    AttemptId attempt = api.start(id);
    api.succeed(attempt, stored, null, 3000, COLUMNS, Duration.ofHours(1), null, false);
    long before = recordedDownloads(carolName);

    Reply whole = download(carol, id, null);
    assertThat(whole.body()).hasSize(stored.length);
    await().until(() -> recordedDownloads(carolName) == before + stored.length);
    Reply part = download(carol, id, "bytes=10-109");
    assertThat(part.status()).isEqualTo(206);
    await().until(() -> recordedDownloads(carolName) == before + stored.length + 100);
    assertThat(
            api.jdbc()
                .sql("select count(*) from usage_events where kind = 'download' and owner = :o")
                .param("o", carolName)
                .query(Long.class)
                .single())
        .isEqualTo(2);
    assertThat(recordedDownloads(bobName)).isZero();
  }

  @Test
  void aDownloadCutShortRecordsTheBytesItSent() throws Exception {
    String daveName = "dave-" + UUID.randomUUID();
    String dave = TestTokens.signed(SECRET, daveName, List.of());
    byte[] stored = new byte[32 * 1024 * 1024];
    long id = created(dave, "?format=CSV");
    api.succeed(api.start(id), stored, null, 1, COLUMNS, Duration.ofHours(1), null, false);

    try (RawDownload download =
        RawDownload.open(
            api.url("/v1/async/executions/" + id + "/result"), "Authorization: Bearer " + dave)) {
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.read(100_000)).hasSize(100_000);
    }
    // The server finds the connection gone at its next write, and records what it had sent.
    await().until(() -> recordedDownloads(daveName) > 0);
    assertThat(recordedDownloads(daveName)).isBetween(100_000L, stored.length - 1L);
  }

  @Test
  void badParametersAreProblemsNamingTheParameter() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("?from=2026-12-08&to=2026-12-01", "from");
    bad.put("?from=2025-01-01&to=2026-12-01", "to");
    bad.put("?from=yesterday", "from");
    bad.put("?to=2026-02-30", "to");
    bad.put("?granularity=week", "granularity");
    bad.put("?group_by=owner", "group_by");
    bad.put("?top=0", "top");
    bad.put("?top=1001", "top");
    bad.put("?top=ten", "top");
    bad.put("?order_by=rows", "order_by");
    bad.put("?format=xml", "format");
    bad.forEach(
        (query, field) -> {
          Reply reply = usage(admin, query);
          assertThat(reply.status()).as(query).isEqualTo(400);
          assertThat(reply.json().get("field").asString()).as(query).isEqualTo(field);
        });
    assertThat(usage(admin, "?from=2025-11-03&to=2026-12-07").status()).isEqualTo(200);
    assertThat(usage(admin, "?from=2025-11-02&to=2026-12-07").status()).isEqualTo(400);
  }

  @Test
  void theRangeDefaultsToTheLastSevenDays() {
    JsonNode answer = usage(alice, "").json();
    assertThat(answer.get("to").asString()).isEqualTo(today().toString());
    assertThat(answer.get("from").asString()).isEqualTo(today().minusDays(6).toString());
    assertThat(answer.get("granularity").asString()).isEqualTo("day");
    assertThat(answer.get("group_by").asString()).isEqualTo("day");
    assertThat(usage(alice, "?from=2020-01-01&to=2020-01-31").json().get("rows")).isEmpty();
  }

  @Test
  void hourlyRowsAddUpToTheDaysOfTheSameRange() {
    JsonNode day = usage(admin, "?group_by=user&user=" + aliceName).json().get("rows").get(0);
    JsonNode hours = usage(admin, "?granularity=hour&user=" + aliceName).json().get("rows");
    long readBytes = 0;
    for (JsonNode hour : hours) {
      assertThat(hour.get("hour").asString()).endsWith(":00:00Z");
      assertThat(hour.get("day").isNull()).isTrue();
      readBytes += hour.get("read_bytes").asLong();
    }
    assertThat(readBytes).isEqualTo(day.get("read_bytes").asLong());
  }

  private Reply usage(String token, String query) {
    return client.send(
        "GET",
        "/v1/usage" + query,
        HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + token));
  }

  private Reply download(String token, long id, String range) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + token);
    if (range != null) {
      request.header("Range", range);
    }
    return client.send("GET", "/v1/async/executions/" + id + "/result", request);
  }

  private long recordedDownloads(String owner) {
    return api.jdbc()
        .sql(
            "select coalesce(sum(downloaded_bytes), 0) from usage_events"
                + " where kind = 'download' and owner = :owner")
        .param("owner", owner)
        .query(Long.class)
        .single();
  }

  private static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  private long created(String token) {
    return created(token, "");
  }

  private long created(String token, String query) {
    Reply created =
        client.send(
            "POST",
            "/v1/async/executions" + query,
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT '" + UUID.randomUUID() + "'")));
    assertThat(created.status()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  private void succeed(String token, QueryStats stats, int resultBytes) throws Exception {
    AttemptId attempt = api.start(created(token));
    api.succeed(
        attempt, new byte[resultBytes], null, 1, COLUMNS, Duration.ofHours(1), stats, false);
  }

  private void fail(String token, QueryStats stats) {
    AttemptId attempt = api.start(created(token));
    assertThat(api.repository().fail(attempt, "failed on purpose", stats, false)).isTrue();
  }

  private void cancelRunning(String token) {
    long id = created(token);
    api.start(id);
    Reply canceled =
        client.send(
            "POST",
            "/v1/async/executions/" + id + "/cancel",
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(canceled.status()).isEqualTo(200);
  }

  /** Folds every event as the bookkeeper does, a batch at a time. */
  private void fold() {
    while (rollups.rollUp(3).stream().mapToLong(UsageRollups.Folded::events).sum() > 0) {
      // Small batches: the rows of one day are added to more than once.
    }
  }

  /** The executions' own figures, from their columns, summed as usage should sum them. */
  private Map<String, Long> executionFigures(String user) {
    return api.jdbc()
        .sql(
            """
            select count(*) as executions,
                   count(*) filter (where status = 'SUCCEEDED') as succeeded,
                   count(*) filter (where status = 'FAILED') as failed,
                   count(*) filter (where status = 'CANCELED') as canceled,
                   coalesce(sum(stats_read_rows), 0) as read_rows,
                   coalesce(sum(stats_read_bytes), 0) as read_bytes,
                   coalesce(sum(result_bytes) filter (where status = 'SUCCEEDED'), 0)
                       as result_bytes,
                   coalesce(sum(stats_elapsed_ms), 0) as server_ms,
                   coalesce(max(greatest(coalesce(stats_peak_memory_bytes, 0),
                                         coalesce(progress_peak_memory_bytes, 0))), 0)
                       as peak_memory,
                   coalesce(sum(greatest(0, (extract(epoch from picked_at - created_at) * 1000)
                       ::bigint)), 0) as queue_ms
            from executions
            where created_by = :user
            """)
        .param("user", user)
        .query(
            (rs, n) -> {
              Map<String, Long> figures = new LinkedHashMap<>();
              for (String name :
                  List.of(
                      "executions",
                      "succeeded",
                      "failed",
                      "canceled",
                      "read_rows",
                      "read_bytes",
                      "result_bytes",
                      "server_ms",
                      "peak_memory",
                      "queue_ms")) {
                figures.put(name, rs.getLong(name));
              }
              return figures;
            })
        .single();
  }
}
