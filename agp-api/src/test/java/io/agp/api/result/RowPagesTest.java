package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestApi.Kept;
import io.agp.execution.Execution;
import io.agp.execution.ResultMetadata.Column;
import io.agp.results.FramedOutputStream;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultUpload;
import io.agp.results.RowIndex;
import io.agp.testkit.S3TestServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Pages of rows: every stored format and compression, with the worker's row index and without it
 * (results stored before indexes existed), at the start, the middle, the end and past it.
 */
class RowPagesTest {

  private static final int ROWS = 1000;
  private static final int EVERY = 64;
  private static final List<Column> COLUMNS =
      List.of(new Column("n", "UInt32"), new Column("s", "String"), new Column("big", "UInt64"));

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  /** A stored result as the worker writes it: the bytes and, when asked, its row index. */
  record Stored(byte[] bytes, RowIndex index) {}

  /**
   * {@link #ROWS} rows (n, a string with a comma, quote, tab and line break, a 64-bit integer), as
   * ClickHouse writes them in the format, compressed with frames restarted at each index point.
   */
  static Stored store(String format, ResultCompression compression) throws Exception {
    ByteArrayOutputStream target = new ByteArrayOutputStream();
    List<long[]> points = new ArrayList<>();
    long decoded = 0;
    try (FramedOutputStream out = compression.framedEncoding(target)) {
      StringBuilder head = new StringBuilder();
      switch (format) {
        case "JSON" ->
            head.append(
                    "{\n\t\"meta\":\n\t[\n\t\t{\n\t\t\t\"name\": \"n\",\n\t\t\t\"type\": \"UInt32\"\n")
                .append("\t\t}\n\t],\n\n\t\"data\":\n\t[\n");
        case "CSVWithNames" -> head.append("\"n\",\"s\",\"big\"\n");
        case "TSVWithNames" -> head.append("n\ts\tbig\n");
        case "TSVWithNamesAndTypes" -> head.append("n\ts\tbig\nUInt32\tString\tUInt64\n");
        default -> {}
      }
      decoded += write(out, head.toString());
      for (int i = 0; i < ROWS; i++) {
        if (i > 0 && i % EVERY == 0) {
          out.endFrame();
          points.add(new long[] {i, target.size(), decoded});
        }
        String big = Long.toString(9_000_000_000_000_000_000L + i);
        String row =
            switch (format) {
              case "JSON" ->
                  "\t\t{\n\t\t\t\"n\": "
                      + i
                      + ",\n\t\t\t\"s\": \"a,\\\"b\\\"\\t\\nc"
                      + i
                      + "\",\n\t\t\t\"big\": \""
                      + big
                      + "\"\n\t\t}"
                      + (i + 1 < ROWS ? ",\n" : "\n");
              case "JSONEachRow" ->
                  "{\"n\":"
                      + i
                      + ",\"s\":\"a,\\\"b\\\"\\t\\nc"
                      + i
                      + "\",\"big\":\""
                      + big
                      + "\"}\n";
              case "CSV", "CSVWithNames" -> i + ",\"a,\"\"b\"\"\t\nc" + i + "\"," + big + "\n";
              default -> i + "\ta,\"b\"\\t\\nc" + i + "\t" + big + "\n";
            };
        decoded += write(out, row);
      }
      if (format.equals("JSON")) {
        write(out, "\t],\n\n\t\"rows\": " + ROWS + "\n}\n");
      }
    }
    long[][] p = points.toArray(long[][]::new);
    RowIndex index =
        new RowIndex(
            java.util.Arrays.stream(p).mapToLong(x -> x[0]).toArray(),
            java.util.Arrays.stream(p).mapToLong(x -> x[1]).toArray(),
            java.util.Arrays.stream(p).mapToLong(x -> x[2]).toArray());
    return new Stored(target.toByteArray(), index);
  }

  private static int write(FramedOutputStream out, String text) throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(bytes);
    return bytes.length;
  }

  private static long succeeded(
      TestApi on, long id, String format, String compression, boolean indexed) throws Exception {
    return succeeded(on, id, format, compression, indexed ? Kept.STORE : null);
  }

  /**
   * @param kept where the result is kept; null: in the store without its row index
   */
  private static long succeeded(TestApi on, long id, String format, String compression, Kept kept)
      throws Exception {
    ResultCompression encoding = ResultCompression.valueOf(compression);
    Stored stored = store(format, encoding);
    Execution done =
        on.succeed(
            on.start(id),
            stored.bytes(),
            encoding.recordedName(),
            ROWS,
            COLUMNS,
            Duration.ofHours(1),
            null,
            false,
            kept == null ? Kept.STORE : kept);
    if (kept == Kept.STORE) {
      ResultStore store = on.context.getBean(ResultStore.class);
      try (ResultUpload upload = store.upload(RowIndex.keyFor(done.result().key()))) {
        stored.index().write(upload.stream());
        upload.commit();
      }
    }
    return id;
  }

  static List<Arguments> formatsAndCompressions() {
    List<Arguments> all = new ArrayList<>();
    for (String format :
        List.of(
            "JSON",
            "JSONEachRow",
            "CSV",
            "CSVWithNames",
            "TSV",
            "TSVWithNames",
            "TSVWithNamesAndTypes")) {
      for (String compression : List.of("NONE", "GZIP", "ZSTD")) {
        all.add(Arguments.of(format, compression, true));
      }
      all.add(Arguments.of(format, "GZIP", false));
    }
    return all;
  }

  @ParameterizedTest(name = "{0} {1} indexed={2}")
  @MethodSource("formatsAndCompressions")
  void pagesEveryFormatAndCompressionFromAnyOffset(
      String format, String compression, boolean indexed) throws Exception {
    checkPaging(api, format, compression, indexed);
  }

  /**
   * A result kept in the execution's row (a small one, as the worker keeps it) has no object and no
   * index in the store: pages are read from its start.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"JSON,NONE", "JSONEachRow,ZSTD", "CSVWithNames,GZIP", "TSV,ZSTD"})
  void pagesOfAResultKeptInTheRow(String format, String compression) throws Exception {
    checkPaging(api, format, compression, Kept.ROW);
  }

  /** The same from an S3 store: the pages are ranged reads of the object. */
  @ParameterizedTest(name = "{0} {1} indexed={2}")
  @MethodSource("someFormatsAndCompressions")
  void pagesFromAnS3Store(String format, String compression, boolean indexed) throws Exception {
    checkPaging(S3Api.API, format, compression, indexed);
  }

  static List<Arguments> someFormatsAndCompressions() {
    return List.of(
        Arguments.of("CSVWithNames", "NONE", true),
        Arguments.of("CSV", "ZSTD", true),
        Arguments.of("JSON", "GZIP", true),
        Arguments.of("JSONEachRow", "ZSTD", true),
        Arguments.of("TSVWithNamesAndTypes", "ZSTD", false));
  }

  /** An API on an S3 store, started once for the tests that need it. */
  private static final class S3Api {
    static final TestApi API = start();

    private static TestApi start() {
      S3TestServer s3 = S3TestServer.shared();
      String bucket = "rows-" + UUID.randomUUID();
      s3.createBucket(bucket);
      TestApi api =
          TestApi.start(
              "--agp.results.location=s3://" + bucket + "/results",
              "--agp.results.s3.endpoint=" + s3.endpoint(),
              "--agp.results.s3.region=" + s3.region(),
              "--agp.results.s3.access-key=" + s3.accessKey(),
              "--agp.results.s3.secret-key=" + s3.secretKey(),
              "--agp.results.s3.path-style=true",
              "--agp.results.s3.checksums-when-required=true");
      Runtime.getRuntime().addShutdownHook(new Thread(api.context::close, "rows-s3-api-stop"));
      return api;
    }
  }

  private static void checkPaging(TestApi on, String format, String compression, boolean indexed)
      throws Exception {
    checkPaging(on, format, compression, indexed ? Kept.STORE : null);
  }

  private static void checkPaging(TestApi on, String format, String compression, Kept kept)
      throws Exception {
    ContractClient client = on.client;
    long id = succeeded(on, on.create(format), format, compression, kept);
    String rows = "/v1/async/executions/" + id + "/rows";

    JsonNode first = client.get(rows).json();
    assertThat(first.get("columns").toString())
        .isEqualTo(
            "[{\"name\":\"n\",\"type\":\"UInt32\"},{\"name\":\"s\",\"type\":\"String\"},"
                + "{\"name\":\"big\",\"type\":\"UInt64\"}]");
    assertPage(first, 0, 100);
    assertThat(first.get("next_offset").asLong()).isEqualTo(100);
    assertThat(first.get("total_rows").asLong()).isEqualTo(ROWS);
    assertThat(first.get("cut").asBoolean()).isFalse();

    for (int offset : new int[] {1, 63, 64, 65, 437, 640, 898}) {
      JsonNode page = client.get(rows + "?offset=" + offset + "&limit=101").json();
      assertPage(page, offset, 101);
      assertThat(page.get("next_offset").asLong()).isEqualTo(offset + 101);
    }

    JsonNode end = client.get(rows + "?offset=990&limit=100").json();
    assertPage(end, 990, 10);
    assertThat(end.get("next_offset").isNull()).isTrue();

    JsonNode exact = client.get(rows + "?offset=900&limit=100").json();
    assertPage(exact, 900, 100);
    assertThat(exact.get("next_offset").isNull()).isTrue();

    for (String past : new String[] {"1000", "5000"}) {
      JsonNode beyond = client.get(rows + "?offset=" + past).json();
      assertThat(beyond.get("rows")).isEmpty();
      assertThat(beyond.get("next_offset").isNull()).isTrue();
      assertThat(beyond.get("total_rows").asLong()).isEqualTo(ROWS);
    }
  }

  /** Rows from offset on, each (n, its string, its 64-bit integer as a string), count of them. */
  private static void assertPage(JsonNode page, int offset, int count) {
    assertThat(page.get("offset").asLong()).isEqualTo(offset);
    assertThat(page.get("rows")).hasSize(count);
    for (int i = 0; i < count; i++) {
      JsonNode row = page.get("rows").get(i);
      int n = offset + i;
      assertThat(row.get(0).isNumber()).as("n is a number: %s", row).isTrue();
      assertThat(row.get(0).asLong()).isEqualTo(n);
      assertThat(row.get(1).asString()).isEqualTo("a,\"b\"\t\nc" + n);
      assertThat(row.get(2).isString()).as("a 64-bit integer is a string: %s", row).isTrue();
      assertThat(row.get(2).asString()).isEqualTo(Long.toString(9_000_000_000_000_000_000L + n));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"offset=-1", "limit=0", "limit=-5", "limit=1001", "offset=x", "limit=1.5"})
  void aBadOffsetOrLimitIs400Problem(String query) throws Exception {
    long id = succeeded(api, api.create("CSV"), "CSV", "NONE", true);
    Reply reply = client.get("/v1/async/executions/" + id + "/rows?" + query);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void anExecutionWithoutAResultIs404AndAnUnknownOneToo() {
    long id = api.create("CSV");
    Reply pending = client.get("/v1/async/executions/" + id + "/rows");
    assertThat(pending.status()).isEqualTo(404);
    assertThat(pending.header("Content-Type")).startsWith("application/problem+json");
    assertThat(client.get("/v1/async/executions/987654321/rows").status()).isEqualTo(404);
  }

  /** Without a row count (a format that did not tell), the end is found by reading. */
  @Test
  void aResultOfUnknownRowCountPagesToItsEndAndPastIt() throws Exception {
    long id = api.create("CSV");
    Stored stored = store("CSV", ResultCompression.ZSTD);
    Execution done = api.succeed(api.start(id), stored.bytes(), "zstd", -1, COLUMNS);
    ResultStore store = api.context.getBean(ResultStore.class);
    try (ResultUpload upload = store.upload(RowIndex.keyFor(done.result().key()))) {
      stored.index().write(upload.stream());
      upload.commit();
    }
    String rows = "/v1/async/executions/" + id + "/rows";

    JsonNode end = client.get(rows + "?offset=950").json();
    assertPage(end, 950, 50);
    assertThat(end.get("next_offset").isNull()).isTrue();
    assertThat(end.get("total_rows").asLong()).isEqualTo(-1);
    JsonNode middle = client.get(rows + "?offset=500&limit=10").json();
    assertPage(middle, 500, 10);
    assertThat(middle.get("next_offset").asLong()).isEqualTo(510);
    JsonNode past = client.get(rows + "?offset=9223372036854775807&limit=1000").json();
    assertThat(past.get("rows")).isEmpty();
    assertThat(past.get("next_offset").isNull()).isTrue();
  }

  @Test
  void anExpiredResultIs410() throws Exception {
    long id = succeeded(api, api.create("CSV"), "CSV", "NONE", true);
    api.jdbc()
        .sql("update executions set status = 'EXPIRED' where id = :id")
        .param("id", id)
        .update();
    Reply reply = client.get("/v1/async/executions/" + id + "/rows");
    assertThat(reply.status()).isEqualTo(410);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
  }

  /** A page reaching the answer bound stops early: cut, with the offset of the next row. */
  @Test
  void aPageStopsAtTheAnswerBoundAndSaysWhereToGoOn() throws Exception {
    TestApi small = TestApi.start("--agp.api.preview.max-size=2KB");
    try {
      long id = succeeded(small, small.create("TSV"), "TSV", "ZSTD", true);
      JsonNode page = small.client.get("/v1/async/executions/" + id + "/rows?offset=500").json();
      int taken = page.get("rows").size();
      assertThat(taken).isBetween(1, 99);
      assertThat(page.get("cut").asBoolean()).isTrue();
      assertThat(page.get("next_offset").asLong()).isEqualTo(500 + taken);
      // The rows before the first one with a cut value are whole.
      int whole = taken;
      for (JsonNode cell : page.get("cut_cells")) {
        whole = Math.min(whole, cell.get(0).asInt());
      }
      assertThat(whole).isPositive();
      JsonNode wholeRows = page.deepCopy();
      ((tools.jackson.databind.node.ArrayNode) wholeRows.get("rows"))
          .removeAll()
          .addAll(
              java.util.stream.IntStream.range(0, whole)
                  .mapToObj(i -> page.get("rows").get(i))
                  .toList());
      assertPage(wholeRows, 500, whole);
    } finally {
      small.context.close();
    }
  }

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private static String token(String sub) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .expirationTime(Date.from(Instant.now().plusSeconds(600)))
            .claim("tier", "default")
            .claim("roles", List.of())
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** JWT mode: the owner pages, another user gets 404, no token or a forged one 401. */
  @Test
  void anotherUsersRowsAre404() throws Exception {
    TestApi jwt = TestApi.start("--agp.api.auth.mode=jwt", "--agp.api.auth.jwt-secret=" + SECRET);
    try {
      String alice = token("alice-" + UUID.randomUUID());
      String bob = token("bob-" + UUID.randomUUID());
      Reply created =
          jwt.client.send(
              "POST",
              "/v1/async/executions",
              HttpRequest.newBuilder()
                  .header("Authorization", "Bearer " + alice)
                  .header("Content-Type", "application/json")
                  .method(
                      "POST",
                      HttpRequest.BodyPublishers.ofString(
                          "{\"sql\": \"SELECT 1\", \"format\": \"CSV\"}")));
      assertThat(created.status()).isEqualTo(201);
      long id = succeeded(jwt, created.json().get("id").asLong(), "CSV", "ZSTD", true);
      String path = "/v1/async/executions/" + id + "/rows?offset=500&limit=3";

      Reply own = as(jwt, alice, path);
      assertThat(own.status()).isEqualTo(200);
      assertPage(own.json(), 500, 3);

      Reply other = as(jwt, bob, path);
      assertThat(other.status()).isEqualTo(404);
      assertThat(other.header("Content-Type")).startsWith("application/problem+json");
      assertThat(other.text()).doesNotContain("c500");

      assertThat(as(jwt, null, path).status()).isEqualTo(401);
      assertThat(as(jwt, alice + "x", path).status()).isEqualTo(401);
    } finally {
      jwt.context.close();
    }
  }

  private static Reply as(TestApi on, String token, String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder().GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return on.client.send("GET", path, request);
  }
}
