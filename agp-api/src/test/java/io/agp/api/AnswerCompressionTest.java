package io.agp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.EventStream;
import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * JSON answers gzip-compressed for a client that asks, and only then; results (downloads, the sync
 * run, the ClickHouse proxy) and event streams go out as they did without compression.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnswerCompressionTest {

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start("--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl());
  private final ContractClient client = api.client;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  void stop() {
    api.context.close();
  }

  /** An execution whose JSON is well over the 1 KB below which nothing is compressed. */
  private long createLarge() {
    String sql = "SELECT '" + UUID.randomUUID() + "' -- " + "padding ".repeat(300);
    return client.postSql("/v1/async/executions", sql).json().get("id").asLong();
  }

  private Reply get(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder().GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.sendUnchecked(path, request);
  }

  private static byte[] gunzip(byte[] bytes) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(bytes);
    }
    return out.toByteArray();
  }

  /** The reply with its body decoded, checked against the contract as any other. */
  private static Reply decoded(String method, String path, Reply reply) throws IOException {
    Reply plain = new Reply(reply.status(), reply.headers(), gunzip(reply.body()));
    assertThat(ContractClient.violations(method, path, plain)).isEmpty();
    return plain;
  }

  @Test
  void jsonAnswersAreGzippedWhenTheClientAsksAndOnlyThen() throws Exception {
    long id = createLarge();
    String path = "/v1/async/executions/" + id;

    Reply plain = get(path);
    assertThat(plain.header("Content-Encoding")).isNull();
    assertThat(plain.body().length).isGreaterThan(2048);

    Reply zipped = get(path, "Accept-Encoding", "gzip, deflate, br");
    assertThat(zipped.status()).isEqualTo(200);
    assertThat(zipped.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(zipped.header("Vary")).containsIgnoringCase("accept-encoding");
    assertThat(zipped.body().length).isLessThan(plain.body().length / 2);
    assertThat(decoded("GET", path, zipped).json()).isEqualTo(plain.json());
    // The tag is the answer's, whichever way it travels.
    assertThat(zipped.header("ETag")).isEqualTo(plain.header("ETag"));

    // A client that refuses gzip, or accepts only what the server does not write, gets it plain.
    assertThat(get(path, "Accept-Encoding", "gzip;q=0").header("Content-Encoding")).isNull();
    assertThat(get(path, "Accept-Encoding", "identity").header("Content-Encoding")).isNull();

    Reply list = get("/v1/async/executions?limit=20", "Accept-Encoding", "gzip");
    assertThat(list.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(decoded("GET", "/v1/async/executions", list).json().get("executions").size())
        .isPositive();
    // Problems too (their length is not known ahead, so the 1 KB floor does not hold them back).
    Reply missing = get("/v1/async/executions/987654321", "Accept-Encoding", "gzip");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
    assertThat(missing.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(
            decoded("GET", "/v1/async/executions/987654321", missing).json().get("status").asInt())
        .isEqualTo(404);
  }

  @Test
  void aSmallAnswerIsNotCompressed() {
    long id = client.postSql("/v1/async/executions", "SELECT 1").json().get("id").asLong();
    Reply small = get("/v1/async/executions/" + id, "Accept-Encoding", "gzip");
    assertThat(small.body().length).isLessThan(1024);
    assertThat(small.header("Content-Encoding")).isNull();
  }

  @Test
  void aJsonResultStoredPlainDownloadsAsStoredInFullAndInRanges() throws Exception {
    long id = api.create("JSON");
    byte[] stored = ("{\"data\": [" + "{\"n\": 1},".repeat(2000) + "{\"n\": 2}]}").getBytes();
    api.succeed(id, stored, null);
    String path = "/v1/async/executions/" + id + "/result";

    Reply whole = get(path, "Accept-Encoding", "gzip");
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.header("Content-Type")).startsWith("application/json");
    assertThat(whole.header("Content-Encoding")).isNull();
    assertThat(whole.header("Content-Length")).isEqualTo("" + stored.length);
    assertThat(whole.body()).isEqualTo(stored);

    Reply range = get(path, "Accept-Encoding", "gzip", "Range", "bytes=100-4099");
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.header("Content-Encoding")).isNull();
    assertThat(range.header("Content-Range")).isEqualTo("bytes 100-4099/" + stored.length);
    assertThat(range.body()).hasSize(4000);
    assertThat(new String(range.body(), StandardCharsets.UTF_8))
        .isEqualTo(new String(stored, 100, 4000, StandardCharsets.UTF_8));

    // The next answer on the same connection is compressed again: the mark was that request's.
    Reply next = get("/v1/async/executions/" + createLarge(), "Accept-Encoding", "gzip");
    assertThat(next.header("Content-Encoding")).isEqualTo("gzip");
  }

  @Test
  void aGzippedResultGoesOutOnceCompressedAndAZstdOneDecodedPlain() throws Exception {
    byte[] json = ("{\"data\": [" + "{\"n\": 1},".repeat(2000) + "{\"n\": 2}]}").getBytes();
    long gzipped = api.create("JSON");
    byte[] stored = gzip(json);
    api.succeed(gzipped, stored, "gzip");
    Reply once = get("/v1/async/executions/" + gzipped + "/result", "Accept-Encoding", "gzip");
    assertThat(once.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(once.body()).isEqualTo(stored);
    assertThat(gunzip(once.body())).isEqualTo(json);

    long zstd = api.create("JSON");
    api.succeed(zstd, com.github.luben.zstd.Zstd.compress(json), "zstd");
    // Decoded on the fly for a client without zstd, and not compressed again on the way.
    Reply decodedPlain =
        get("/v1/async/executions/" + zstd + "/result", "Accept-Encoding", "gzip, deflate");
    assertThat(decodedPlain.status()).isEqualTo(200);
    assertThat(decodedPlain.header("Content-Encoding")).isNull();
    assertThat(decodedPlain.body()).isEqualTo(json);
  }

  @Test
  void eventStreamsAreNeitherCompressedNorHeldBack() throws Exception {
    long id = createLarge();
    try (EventStream events =
        EventStream.open(
            api.url("/v1/async/executions/" + id + "/events"), "Accept-Encoding", "gzip")) {
      assertThat(events.status()).isEqualTo(200);
      assertThat(events.contentType()).startsWith("text/event-stream");
      assertThat(events.header("Content-Encoding")).isNull();
      // The first event comes at once, while the stream stays open (a PENDING execution).
      EventStream.Event first = events.next(Duration.ofSeconds(5));
      assertThat(first.json().get("status").asString()).isEqualTo("PENDING");
      assertThat(first.json().get("id").asLong()).isEqualTo(id);
    }
  }

  @Test
  void theProxyAndTheSyncRunPassClickHouseBytesAsTheyCame() throws Exception {
    String sql = "SELECT number, toString(number) AS s FROM system.numbers LIMIT 500 FORMAT JSON";
    HttpResponse<byte[]> direct =
        http.send(
            HttpRequest.newBuilder(clickhouse.httpUrl())
                .header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(direct.headers().firstValue("Content-Encoding")).isEmpty();

    Reply proxied =
        client.sendUnchecked(
            "/v1/chproxy/",
            HttpRequest.newBuilder()
                .header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString(sql)));
    assertThat(proxied.status()).isEqualTo(200);
    assertThat(proxied.header("Content-Type")).startsWith("application/json");
    assertThat(proxied.header("Content-Encoding")).isNull();
    assertThat(withoutTimings(proxied.body())).isEqualTo(withoutTimings(direct.body()));

    // Compressed by ClickHouse when the client asks it to: passed on once, as ClickHouse wrote it.
    Reply byClickHouse =
        client.sendUnchecked(
            "/v1/chproxy/?enable_http_compression=1",
            HttpRequest.newBuilder()
                .header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString(sql)));
    assertThat(byClickHouse.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(withoutTimings(gunzip(byClickHouse.body())))
        .isEqualTo(withoutTimings(direct.body()));

    Reply run =
        client.sendUnchecked(
            "/v1/sync/run",
            HttpRequest.newBuilder()
                .header("Accept-Encoding", "gzip")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"sql\": \"SELECT number FROM system.numbers LIMIT 2000\","
                            + " \"format\": \"JSON\"}")));
    assertThat(run.status()).isEqualTo(200);
    assertThat(run.header("Content-Type")).startsWith("application/json");
    assertThat(run.header("Content-Encoding")).isNull();
    assertThat(run.text()).contains("\"rows\": 2000");
  }

  /** JSON's statistics say how long the run took: the part two runs do not share. */
  private static String withoutTimings(byte[] body) {
    return new String(body, StandardCharsets.UTF_8)
        .replaceAll("\"elapsed\": [0-9.e-]+", "\"elapsed\": 0");
  }
}
