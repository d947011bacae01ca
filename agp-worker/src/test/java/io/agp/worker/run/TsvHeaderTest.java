package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.results.ResultCompression;
import io.agp.results.RowIndex;
import io.agp.testkit.ClickHouseTestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TSV and TSVWithNames results against the real ClickHouse, through a proxy that sees every
 * statement: the worker asks for TSVWithNamesAndTypes and stores exactly what ClickHouse answers in
 * the format asked of the worker, with the columns and types read from the header, and sends no
 * DESCRIBE for them.
 */
class TsvHeaderTest {

  private static final String ASKED = "\nFORMAT TSVWithNamesAndTypes";

  /** Statements the proxy answers with an empty body, as a server that sends no header would. */
  private static final String HEADLESS = "/* headless */";

  /** Room for the query of the wide header. */
  private static final int MAX_QUERY_SIZE = 1_000_000;

  private static Path results;
  private static ClickHouseHttpProxy proxy;
  private static WorkerStack stack;

  @BeforeAll
  static void start() throws IOException {
    results = Files.createTempDirectory("agp-tsv");
    proxy =
        new ClickHouseHttpProxy(
            Duration.ZERO,
            sql -> Map.of(),
            (sql, body) -> sql.contains(HEADLESS) && sql.endsWith(ASKED) ? new byte[0] : body);
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                results.toUri().toString(),
                "agp.tiers.proxied.clickhouse.url",
                proxy.url(),
                "agp.tiers.indexed.clickhouse.url",
                proxy.url(),
                "agp.tiers.indexed.result-compression",
                "zstd",
                "agp.tiers.indexed.row-index-spacing",
                "64KB",
                "agp.tiers.wide.clickhouse.url",
                proxy.url(),
                "agp.tiers.wide.settings.max_query_size",
                Integer.toString(MAX_QUERY_SIZE)));
  }

  @AfterAll
  static void stop() {
    stack.close();
    proxy.close();
  }

  @ParameterizedTest
  @EnumSource(
      value = ResultFormat.class,
      names = {"TSV", "TSVWithNames"})
  void storesClickHousesOwnAnswerWithTypedColumnsAndNoDescribe(ResultFormat format)
      throws Exception {
    String sql =
        "SELECT /* "
            + format
            + " */ number AS n, concat('v\\t', toString(number), '\\\\é\\n') AS s"
            + " FROM system.numbers LIMIT 1000";

    Execution done = succeeded(stack.create(sql, format.name(), "proxied"));

    byte[] expected = clickHouseAnswer(sql, format);
    assertThat(read(done)).isEqualTo(expected);
    assertThat(done.format()).isEqualTo(format.name());
    assertThat(done.result().key()).endsWith(".tsv");
    assertThat(done.result().bytes()).isEqualTo(expected.length);
    assertThat(done.result().rows()).isEqualTo(1000);
    assertThat(done.result().columns())
        .containsExactly(new Column("n", "UInt64"), new Column("s", "String"));
    assertThat(statementsWith(sql)).containsExactly(sql + ASKED);
  }

  @Test
  void aLargeCompressedResultIsIndexedInItsStoredBytes() throws Exception {
    String sql =
        "SELECT /* indexed */ number AS n, toString(number * 7) AS s"
            + " FROM system.numbers LIMIT 300000";

    Execution done = succeeded(stack.create(sql, "TSV", "indexed"));

    byte[] expected = clickHouseAnswer(sql, ResultFormat.TSV);
    Path stored = results.resolve(done.result().key());
    assertThat(done.result().key()).endsWith(".tsv.zst");
    assertThat(done.result().bytes()).isEqualTo(Files.size(stored)).isLessThan(expected.length);
    assertThat(done.result().rows()).isEqualTo(300_000);
    try (InputStream in = ResultCompression.ZSTD.decoding(Files.newInputStream(stored))) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    RowIndex index;
    try (InputStream in =
        Files.newInputStream(results.resolve(RowIndex.keyFor(done.result().key())))) {
      index = RowIndex.read(in);
    }
    assertThat(index.size()).isGreaterThan(10);
    // A page of rows from the middle, decoded from its point as the API reads it.
    int point = index.size() / 2;
    long row = index.rows()[point];
    String first = row + "\t" + row * 7 + "\n";
    assertThat(
            new String(
                expected, (int) index.decoded()[point], first.length(), StandardCharsets.UTF_8))
        .isEqualTo(first);
    try (InputStream file = Files.newInputStream(stored)) {
      file.skipNBytes(index.stored()[point]);
      BufferedReader page =
          new BufferedReader(
              new InputStreamReader(ResultCompression.ZSTD.decoding(file), StandardCharsets.UTF_8));
      for (long r = row; r < row + 100; r++) {
        assertThat(page.readLine()).isEqualTo(r + "\t" + r * 7);
      }
    }
  }

  /** 300 columns with aliases of about 1000 characters: a header line longer than a read. */
  @Test
  void readsTheColumnsOfAHeaderWiderThanAnyRead() throws Exception {
    String alias = "a long alias that makes the header line long, column ".repeat(18);
    String sql =
        IntStream.range(0, 300)
                .mapToObj(
                    i ->
                        (i % 2 == 0 ? "number" : "toString(number)")
                            + " AS `"
                            + alias
                            + i
                            + (i % 50 == 0 ? "\\t\\\\'" : "")
                            + "`")
                .collect(Collectors.joining(", ", "SELECT ", ""))
            + " FROM system.numbers LIMIT 50";

    Execution done = succeeded(stack.create(sql, "TSVWithNames", "wide"));

    byte[] expected = clickHouseAnswer(sql, ResultFormat.TSVWithNames);
    assertThat(indexOf(expected, (byte) '\n')).isGreaterThan(ResultStreamer.BUFFER_SIZE);
    assertThat(read(done)).isEqualTo(expected);
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      columns.add(
          new Column(alias + i + (i % 50 == 0 ? "\t\\'" : ""), i % 2 == 0 ? "UInt64" : "String"));
    }
    assertThat(done.result().columns()).isEqualTo(columns);
    assertThat(done.result().rows()).isEqualTo(50);
    assertThat(statementsWith(sql)).containsExactly(sql + ASKED);
  }

  @ParameterizedTest
  @EnumSource(
      value = ResultFormat.class,
      names = {"TSV", "TSVWithNames"})
  void anEmptyResultKeepsItsColumns(ResultFormat format) throws Exception {
    String sql =
        "SELECT /* empty "
            + format
            + " */ number AS n, toString(number) AS s FROM numbers(10)"
            + " WHERE number > 100";

    Execution done = succeeded(stack.create(sql, format.name(), "proxied"));

    assertThat(read(done)).isEqualTo(clickHouseAnswer(sql, format));
    assertThat(done.result().rows()).isZero();
    assertThat(done.result().columns())
        .containsExactly(new Column("n", "UInt64"), new Column("s", "String"));
    assertThat(statementsWith(sql)).containsExactly(sql + ASKED);
  }

  @Test
  void anAnswerWithoutHeaderHasItsColumnsDescribed() throws Exception {
    String sql = "SELECT " + HEADLESS + " number AS n, toString(number) AS s FROM numbers(3)";

    Execution done = succeeded(stack.create(sql, "TSV", "proxied"));

    assertThat(read(done)).isEmpty();
    assertThat(done.result().bytes()).isZero();
    assertThat(done.result().columns())
        .containsExactly(new Column("n", "UInt64"), new Column("s", "String"));
    assertThat(statementsWith(sql)).hasSize(2).contains(sql + ASKED);
    assertThat(statementsWith(sql)).anyMatch(s -> s.startsWith("DESCRIBE"));
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> statementsWith(String sql) {
    return proxy.statements().stream().filter(s -> s.contains(sql)).toList();
  }

  private static byte[] clickHouseAnswer(String sql, ResultFormat format) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          ClickHouseTestServer.shared().httpUrl()
                              + "?max_query_size="
                              + MAX_QUERY_SIZE))
                  .POST(HttpRequest.BodyPublishers.ofString(sql + "\nFORMAT " + format.name()))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }

  private static Execution succeeded(long id) {
    Execution done = stack.awaitEnd(id);
    assertThat(done.status()).as(done.error()).isEqualTo(ExecutionStatus.SUCCEEDED);
    return done;
  }

  /** The stored bytes: from the row when the result is small enough to be kept there. */
  private static byte[] read(Execution execution) throws IOException {
    if (execution.result().inline() != null) {
      return execution.result().inline().bytes();
    }
    return Files.readAllBytes(results.resolve(execution.result().key()));
  }
}
