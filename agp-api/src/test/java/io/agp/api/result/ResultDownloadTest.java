package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestApi.Kept;
import io.agp.execution.Execution;
import io.agp.results.ResultStore;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResultDownloadTest {

  private static final byte[] CSV =
      "n\n1\n2\n3\n4\n5\n6\n7\n8\n9\n".getBytes(StandardCharsets.UTF_8);

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  /**
   * Each way of serving a result is checked for both places a result is kept: the store, and the
   * execution's row, where the store has no object under the key.
   */
  @ParameterizedTest
  @EnumSource(Kept.class)
  void servesTheResultWithItsFormatsTypeAndAFileName(Kept kept) throws Exception {
    long id = api.create("CSVWithNames");
    succeed(id, CSV, null, kept);

    Reply reply = client.get("/v1/async/executions/" + id + "/result");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("Content-Type")).startsWith("text/csv");
    assertThat(reply.header("Content-Disposition"))
        .isEqualTo("attachment; filename=\"execution-" + id + ".csv\"");
    assertThat(reply.header("Accept-Ranges")).isEqualTo("bytes");
    assertThat(reply.body()).isEqualTo(CSV);
  }

  @ParameterizedTest
  @EnumSource(Kept.class)
  void servesASingleRangeWith206(Kept kept) throws Exception {
    long id = api.create("CSVWithNames");
    succeed(id, CSV, null, kept);
    String path = "/v1/async/executions/" + id + "/result";

    Reply middle = client.get(path, "Range", "bytes=2-5");
    assertThat(middle.status()).isEqualTo(206);
    assertThat(middle.header("Content-Range")).isEqualTo("bytes 2-5/" + CSV.length);
    assertThat(middle.text()).isEqualTo("1\n2\n");

    Reply rest = client.get(path, "Range", "bytes=16-");
    assertThat(rest.status()).isEqualTo(206);
    assertThat(rest.text()).isEqualTo("8\n9\n");

    Reply tail = client.get(path, "Range", "bytes=-2");
    assertThat(tail.text()).isEqualTo("9\n");

    Reply past = client.get(path, "Range", "bytes=100-");
    assertThat(past.status()).isEqualTo(416);
    assertThat(past.header("Content-Range")).isEqualTo("bytes */" + CSV.length);
  }

  @ParameterizedTest
  @EnumSource(Kept.class)
  void passesAStoredGzipThroughWhenTheClientAcceptsIt(Kept kept) throws Exception {
    long id = api.create("CSVWithNames");
    byte[] gzipped = gzip(CSV);
    succeed(id, gzipped, "gzip", kept);
    String path = "/v1/async/executions/" + id + "/result";

    Reply encoded = client.get(path, "Accept-Encoding", "gzip, deflate");
    assertThat(encoded.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(encoded.body()).isEqualTo(gzipped);

    Reply decoded = client.get(path, "Accept-Encoding", "identity");
    assertThat(decoded.status()).isEqualTo(200);
    assertThat(decoded.header("Content-Encoding")).isNull();
    assertThat(decoded.body()).isEqualTo(CSV);

    Reply refused = client.get(path, "Accept-Encoding", "gzip;q=0");
    assertThat(refused.body()).isEqualTo(CSV);
  }

  @ParameterizedTest
  @EnumSource(Kept.class)
  void passesAStoredZstdThroughOrDecodesIt(Kept kept) throws Exception {
    long id = api.create("CSVWithNames");
    byte[] compressed = com.github.luben.zstd.Zstd.compress(CSV);
    succeed(id, compressed, "zstd", kept);
    String path = "/v1/async/executions/" + id + "/result";

    Reply encoded = client.get(path, "Accept-Encoding", "zstd");
    assertThat(encoded.header("Content-Encoding")).isEqualTo("zstd");
    assertThat(encoded.body()).isEqualTo(compressed);

    Reply decoded = client.get(path);
    assertThat(decoded.status()).isEqualTo(200);
    assertThat(decoded.header("Content-Encoding")).isNull();
    assertThat(decoded.body()).isEqualTo(CSV);
  }

  /**
   * The response promised the recorded length; a stored object that ends before it (as a store that
   * fails mid-way does) closes the connection, so that the client sees the body end short instead
   * of waiting for the rest.
   */
  @Test
  void aStoredResultThatEndsEarlyEndsTheConnectionShort() throws Exception {
    long id = api.create("CSVWithNames");
    byte[] stored = new byte[1024 * 1024];
    api.succeed(id, stored, null);
    api.jdbc()
        .sql("update executions set result_bytes = :bytes where id = :id")
        .param("bytes", stored.length + 1000)
        .param("id", id)
        .update();

    try (RawDownload download =
        RawDownload.open(api.url("/v1/async/executions/" + id + "/result"))) {
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.contentLength()).isEqualTo(stored.length + 1000);
      assertThat(download.drain(Duration.ofSeconds(10))).isLessThan(stored.length + 1000);
    }
  }

  @Test
  void noResultBeforeSuccessIs404AndAnExpiredOneIs410() throws Exception {
    long pending = api.create("JSON");
    assertThat(client.get("/v1/async/executions/" + pending + "/result").status()).isEqualTo(404);

    long expired = api.create("JSON");
    api.succeedExpiringSoon(expired, CSV, null);
    api.jdbc()
        .sql("update executions set status = 'EXPIRED' where id = :id")
        .param("id", expired)
        .update();
    Reply gone = client.get("/v1/async/executions/" + expired + "/result");
    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.json().get("detail").asString()).contains("expired");
  }

  @Test
  void aSignedLinkDownloadsTheResultUntilItIsTamperedWith() throws Exception {
    long id = api.create("CSVWithNames");
    api.succeed(id, CSV, null);

    Reply link = client.post("/v1/async/executions/" + id + "/result-link");
    assertThat(link.status()).isEqualTo(200);
    URI url = URI.create(link.json().get("url").asString());
    String path = url.getRawPath() + "?" + url.getRawQuery();

    Reply download = client.get(path);
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.body()).isEqualTo(CSV);

    String otherId = path.replace("/links/" + id, "/links/" + (id + 1));
    assertThat(client.get(otherId).status()).isEqualTo(403);
    String longer = path.replaceAll("expires=(\\d+)", "expires=$19");
    assertThat(client.get(longer).status()).isEqualTo(403);
    String forged = path.replaceAll("signature=[^&]+", "signature=AAAA");
    Reply rejected = client.get(forged);
    assertThat(rejected.status()).isEqualTo(403);
    assertThat(rejected.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void anExpiredLinkIs403() throws Exception {
    long id = api.create("CSVWithNames");
    api.succeed(id, CSV, null);
    ResultLinks links = api.context.getBean(ResultLinks.class);
    ResultLinks.Signed signed = links.sign(id, java.time.Instant.now().minusSeconds(60));
    long past = signed.expiresAt().getEpochSecond();
    String signature = signed.signature();

    Reply reply =
        client.get("/v1/async/links/" + id + "?expires=" + past + "&signature=" + signature);

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.json().get("detail").asString()).contains("expired");
  }

  @Test
  void aLinkForAResultNotYetThereIs404() {
    long id = api.create("JSON");

    assertThat(client.post("/v1/async/executions/" + id + "/result-link").status()).isEqualTo(404);
  }

  private static byte[] gzip(byte[] bytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** Runs the execution to SUCCEEDED, its result kept as asked; one in the row has no object. */
  private void succeed(long id, byte[] stored, String compression, Kept kept) throws Exception {
    Execution done = api.succeed(id, stored, compression, kept);
    boolean inStore = api.context.getBean(ResultStore.class).size(done.result().key()).isPresent();
    assertThat(inStore).isEqualTo(kept == Kept.STORE);
    assertThat(done.result().inline() != null).isEqualTo(kept == Kept.ROW);
  }
}
