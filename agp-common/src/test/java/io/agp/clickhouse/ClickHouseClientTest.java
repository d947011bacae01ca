package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Progress;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ClickHouseClientTest {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  // A safety net: a test that dies before killing its endless query must not leave it running.
  private static final Map<String, String> BOUNDED = Map.of("max_execution_time", "60");

  private static ClickHouseTestServer server;
  private static ClickHouseClient client;

  @BeforeAll
  static void connect() {
    server = ClickHouseTestServer.shared();
    client = new ClickHouseClient(new ClickHouseEndpoint(server.httpUrl()), CONNECT_TIMEOUT);
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  void streamsTheRowsOfASelect() throws IOException {
    try (ClickHouseResponse response =
        client.execute(
            queryId(), "SELECT number FROM system.numbers LIMIT 1000000 FORMAT CSV", Map.of())) {
      assertThat(countLines(response.body())).isEqualTo(1_000_000);
      assertThat(response.header("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).contains("csv"));
    }
  }

  @Test
  void returnsWithTheHeadersOfAnEndlessResultAndCancelsItOnClose() throws IOException {
    String id = queryId();
    try (ClickHouseResponse response =
        client.execute(id, "SELECT number FROM system.numbers FORMAT TSV", BOUNDED)) {
      assertThat(response.body().readNBytes(4 * 1024 * 1024)).hasSize(4 * 1024 * 1024);
      assertThat(client.system().progress(id)).isPresent();
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> client.system().progress(id).isEmpty());
  }

  @Test
  void sendsQueryIdSettingsAndDatabaseAsUrlParameters() throws IOException {
    String id = "agp-test " + UUID.randomUUID() + " a&b=c/é'\\";
    ClickHouseClient onSystem =
        new ClickHouseClient(
            new ClickHouseEndpoint(server.httpUrl(), "default", "", "system"), CONNECT_TIMEOUT);
    String sql =
        "SELECT (SELECT query_id FROM system.processes WHERE query_id = %s) AS id,"
                .formatted(ClickHouseClient.quote(id))
            + " (SELECT value FROM system.settings WHERE name = 'max_threads') AS threads,"
            + " currentDatabase() AS db FORMAT JSONEachRow";

    try (onSystem;
        ClickHouseResponse response = onSystem.execute(id, sql, Map.of("max_threads", "3"))) {
      JsonNode row = JSON.readTree(response.body());
      assertThat(row.path("id").asString()).isEqualTo(id);
      assertThat(row.path("threads").asString()).isEqualTo("3");
      assertThat(row.path("db").asString()).isEqualTo("system");
    }
  }

  @Test
  void quotesStringLiteralsSoThatAnyTextStaysOneLiteral() throws IOException {
    String text = "it's a \\ back'slash\\' and\ttab\nnewline -- ' OR 1=1";

    try (ClickHouseResponse response =
        client.execute(
            null,
            "SELECT " + ClickHouseClient.quote(text) + " AS text FORMAT JSONEachRow",
            Map.of())) {
      assertThat(JSON.readTree(response.body()).path("text").asString()).isEqualTo(text);
    }
  }

  @Test
  void reportsASyntaxErrorWithItsCodeAndMessage() {
    assertThatThrownBy(() -> client.execute(queryId(), "SELEC 1", Map.of()))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(62);
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getMessage())
                  .startsWith("Code: 62. Syntax error: failed at position 1")
                  .doesNotContain("e.what()");
            });
  }

  @Test
  void reportsAnUnknownSettingAsAQueryError() {
    assertThatThrownBy(() -> client.execute(queryId(), "SELECT 1", Map.of("no_such_setting", "1")))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(115);
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getMessage()).contains("no_such_setting");
            });
  }

  @Test
  void reportsAWrongPasswordAsAFailureThatRetryingWillNotFix() {
    try (ClickHouseClient wrong =
        new ClickHouseClient(
            new ClickHouseEndpoint(server.httpUrl(), "default", "wrong", null), CONNECT_TIMEOUT)) {
      assertThatThrownBy(() -> wrong.execute(queryId(), "SELECT 1", Map.of()))
          .isInstanceOfSatisfying(
              ClickHouseException.class,
              e -> {
                assertThat(e.code()).isEqualTo(193);
                assertThat(e.isTransient()).isFalse();
              });
    }
  }

  @Test
  void rejectsUrlParametersThatAreNotSettings() {
    assertThatThrownBy(() -> client.execute(queryId(), "SELECT 1", Map.of("query", "DROP")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.execute(queryId(), "SELECT 1", Map.of("a&b", "1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reportsARefusedConnectionAsTransient() {
    try (ClickHouseClient nowhere =
        new ClickHouseClient(
            new ClickHouseEndpoint(URI.create("http://127.0.0.1:" + closedPort() + "/")),
            CONNECT_TIMEOUT)) {
      assertThatThrownBy(() -> nowhere.execute(queryId(), "SELECT 1", Map.of()))
          .isInstanceOfSatisfying(
              ClickHouseException.class,
              e -> {
                assertThat(e.isTransient()).isTrue();
                assertThat(e.code()).isZero();
                assertThat(e.getMessage()).contains("connection refused");
              });
      assertThatThrownBy(nowhere.system()::version)
          .isInstanceOfSatisfying(
              ClickHouseException.class, e -> assertThat(e.isTransient()).isTrue());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"JSON", "JSONEachRow", "CSVWithNames", "TSVWithNames"})
  void failsTheReadOfAResultWhoseQueryThrowsPartWay(String format) {
    String sql =
        "SELECT throwIf(number = 100000) FROM system.numbers LIMIT 200000 FORMAT " + format;

    // A small result may still fit the server's buffer and fail with a 500 before any row:
    // either way the caller must get the error, never a short result.
    assertThatThrownBy(
            () -> {
              try (ClickHouseResponse response = client.execute(queryId(), sql, Map.of())) {
                countLines(response.body());
              }
            })
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(395);
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getMessage()).contains("throwIf");
            });
  }

  @Test
  void failsTheReadEvenAfterMegabytesOfRowsWereStreamedWithStatus200() throws IOException {
    String sql =
        "SELECT number, throwIf(number = 2000000) FROM system.numbers LIMIT 3000000 FORMAT TSV";
    long[] bytesRead = {0};

    try (ClickHouseResponse response = client.execute(queryId(), sql, Map.of())) {
      InputStream body = response.body();
      byte[] buffer = new byte[64 * 1024];
      assertThatThrownBy(
              () -> {
                int n;
                while ((n = body.read(buffer)) >= 0) {
                  bytesRead[0] += n;
                }
              })
          .isInstanceOfSatisfying(
              ClickHouseException.class, e -> assertThat(e.code()).isEqualTo(395));
    }
    assertThat(bytesRead[0]).isGreaterThan(1024 * 1024);
  }

  @Test
  void refusesAResultLargerThanMaxResultRowsInsteadOfTruncatingIt() {
    Map<String, String> limit = Map.of("max_result_rows", "10", "result_overflow_mode", "throw");

    assertThatThrownBy(
            () -> {
              try (ClickHouseResponse response =
                  client.execute(
                      queryId(), "SELECT number FROM system.numbers LIMIT 100 FORMAT CSV", limit)) {
                countLines(response.body());
              }
            })
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(396);
              assertThat(e.getMessage()).contains("Limit for result exceeded");
            });
  }

  @Test
  void reportsTheGrowingProgressOfARunningQuery() {
    String id = queryId();
    CompletableFuture<ClickHouseResponse> running =
        runAsync(id, "SELECT count() FROM system.numbers");
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> client.system().progress(id).isPresent());
      long first = client.system().progress(id).orElseThrow().rows();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> client.system().progress(id).map(p -> p.rows() > first).orElse(false));
      Progress later = client.system().progress(id).orElseThrow();
      assertThat(later.bytes()).isPositive();
      assertThat(later.elapsedMillis()).isPositive();
      assertThat(later.memoryBytes()).isNotNegative();
    } finally {
      client.system().kill(id);
    }
    assertThatThrownBy(() -> running.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ClickHouseException.class, e -> assertThat(e.code()).isEqualTo(394));
  }

  @Test
  void reportsTheProgressOfSeveralQueriesInOneAnswer() {
    String first = queryId();
    String second = queryId();
    // Threads of their own: the common pool may have room for one blocked query only.
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    String sql = "SELECT count() FROM system.numbers";
    CompletableFuture<ClickHouseResponse> one =
        CompletableFuture.supplyAsync(() -> client.execute(first, sql, BOUNDED), threads);
    CompletableFuture<ClickHouseResponse> two =
        CompletableFuture.supplyAsync(() -> client.execute(second, sql, BOUNDED), threads);
    try {
      Map<String, Progress> progress =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> client.system().progress(List.of(first, second, queryId(), "it's")),
                  found -> found.size() == 2);

      assertThat(progress).containsOnlyKeys(first, second);
      assertThat(progress.get(first).peakMemoryBytes())
          .isGreaterThanOrEqualTo(progress.get(first).memoryBytes());
    } finally {
      client.system().kill(first);
      client.system().kill(second);
    }
    assertThat(one).failsWithin(Duration.ofSeconds(10));
    assertThat(two).failsWithin(Duration.ofSeconds(10));
    threads.close();
    assertThat(client.system().progress(List.of())).isEmpty();
  }

  @Test
  void theQueryLogTellsTheFiguresOfAnEndedQueryOnceWritten() throws IOException {
    String id = queryId();
    try (ClickHouseResponse response =
        client.execute(
            id,
            "SELECT count() FROM numbers(100000) FORMAT TabSeparated",
            Map.of("log_queries", "1"))) {
      assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8).strip())
          .isEqualTo("100000");
    }
    // The server logs a query just after its last byte is sent: the first flush may miss it.
    Map<String, LoggedQuery> logged =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> {
                  server.query("SYSTEM FLUSH LOGS");
                  return client.system().queryLog(List.of(id, queryId()));
                },
                found -> !found.isEmpty());

    assertThat(logged).containsOnlyKeys(id);
    assertThat(logged.get(id).readRows()).isGreaterThanOrEqualTo(100_000);
    assertThat(logged.get(id).readBytes()).isGreaterThanOrEqualTo(800_000);
    assertThat(logged.get(id).peakMemoryBytes()).isPositive();
    assertThat(logged.get(id).durationMillis()).isNotNegative();
  }

  @Test
  void reportsNoProgressForAQueryThatIsNotRunning() {
    assertThat(client.system().progress(queryId())).isEmpty();
  }

  @Test
  void killStopsAStreamingQueryAndItsStreamFails() throws IOException {
    String id = queryId();
    try (ClickHouseResponse response =
        client.execute(id, "SELECT number FROM system.numbers FORMAT TSV", BOUNDED)) {
      InputStream body = response.body();
      assertThat(body.readNBytes(1024 * 1024)).hasSize(1024 * 1024);

      // SYNC waits for the query to stop, and it only stops once this reader takes its output.
      CompletableFuture<Boolean> killed =
          CompletableFuture.supplyAsync(() -> client.system().kill(id));
      assertThatThrownBy(() -> countLines(body))
          .isInstanceOfAny(ClickHouseException.class, IOException.class)
          .hasMessageContaining("cancelled");
      assertThat(killed.join()).isTrue();
    }
    assertThat(client.system().progress(id)).isEmpty();
  }

  @Test
  void killsOnlyTheQueryNamedEvenWhenTheIdIsHostile() {
    String id = queryId();
    CompletableFuture<ClickHouseResponse> running =
        runAsync(id, "SELECT count() FROM system.numbers");
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> client.system().progress(id).isPresent());

      assertThat(client.system().kill("nothing' OR query_id = '" + id + "' OR '1' = '1")).isFalse();
      assertThat(client.system().kill("nothing\\' OR 1 = 1 OR query_id = \\'")).isFalse();
      assertThat(client.system().progress(id)).isPresent();
    } finally {
      assertThat(client.system().kill(id)).isTrue();
    }
    assertThat(running).failsWithin(Duration.ofSeconds(10));
  }

  @Test
  void tellsTheServerVersionAndTheSettingsItKnows() {
    assertThat(client.system().version()).matches("\\d+\\.\\d+(\\.\\d+)*");
    assertThat(client.system().knownSettings())
        .contains("max_execution_time", "max_result_rows", "result_overflow_mode", "max_threads");
  }

  @Test
  void testServerAnswersQueriesForAssertions() {
    assertThat(server.isRunning()).isTrue();
    assertThat(server.query("SELECT 1 + 1").strip()).isEqualTo("2");
  }

  private static CompletableFuture<ClickHouseResponse> runAsync(String id, String sql) {
    // The headers of an aggregate only come when it ends, so execute() blocks until then.
    return CompletableFuture.supplyAsync(() -> client.execute(id, sql, BOUNDED));
  }

  static String queryId() {
    return "agp-test-" + UUID.randomUUID();
  }

  static long countLines(InputStream in) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long lines = 0;
    int n;
    while ((n = in.read(buffer)) >= 0) {
      for (int i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          lines++;
        }
      }
    }
    return lines;
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
