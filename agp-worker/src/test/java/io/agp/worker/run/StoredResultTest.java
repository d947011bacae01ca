package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a successful execution leaves: the result as stored, and its metadata. */
class StoredResultTest {

  private static final String SQL =
      "SELECT number, toString(number) AS s FROM system.numbers LIMIT 100000";

  private static Path results;
  private static WorkerStack stack;

  @BeforeAll
  static void start() throws IOException {
    results = Files.createTempDirectory("agp-stored");
    String url = ClickHouseTestServer.shared().httpUrl().toString();
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                results.toUri().toString(),
                "agp.tiers.gzip.clickhouse.url",
                url,
                "agp.tiers.gzip.result-compression",
                "gzip",
                "agp.tiers.zstd.clickhouse.url",
                url,
                "agp.tiers.zstd.result-compression",
                "zstd",
                "agp.tiers.stored.clickhouse.url",
                url,
                "agp.tiers.stored.inline-result-size",
                "0"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void gzipAndZstdTiersStoreTheSameResultCompressed() throws IOException {
    Execution plain = succeeded(stack.create(SQL, "CSV", "default"));
    Execution gzip = succeeded(stack.create(SQL, "CSV", "gzip"));
    Execution zstd = succeeded(stack.create(SQL, "CSV", "zstd"));
    byte[] expected = read(plain);

    assertThat(plain.result().compression()).isNull();
    assertThat(plain.result().bytes()).isEqualTo(expected.length);
    assertThat(gzip.result().compression()).isEqualTo("gzip");
    assertThat(gzip.result().key()).endsWith(".csv.gz");
    assertThat(zstd.result().compression()).isEqualTo("zstd");
    assertThat(zstd.result().key()).endsWith(".csv.zst");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file(gzip)))) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    try (InputStream in = new ZstdInputStream(Files.newInputStream(file(zstd)))) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    assertThat(gzip.result().bytes()).isEqualTo(Files.size(file(gzip))).isLessThan(expected.length);
    assertThat(zstd.result().bytes()).isEqualTo(Files.size(file(zstd))).isLessThan(expected.length);
    assertThat(new String(expected, 0, 20, StandardCharsets.UTF_8))
        .startsWith("0,\"0\"\n1,\"1\"\n");
    assertThat(gzip.result().rows()).isEqualTo(100000);
    assertThat(zstd.result().rows()).isEqualTo(100000);
  }

  /**
   * A result of at most the tier's inline-result-size (16 KB by default) is kept in the row,
   * compressed as the tier says, and nothing is stored under its key; a tier of size 0 stores it.
   */
  @Test
  void aSmallResultIsKeptInItsRowUnlessTheTierStoresEveryResult() throws IOException {
    String small = "SELECT number, toString(number) AS s FROM system.numbers LIMIT 100";
    Execution plain = succeeded(stack.create(small, "CSV", "default"));
    Execution zstd = succeeded(stack.create(small, "CSV", "zstd"));
    Execution stored = succeeded(stack.create(small, "CSV", "stored"));
    byte[] expected = read(stored);

    assertThat(expected)
        .hasSizeGreaterThan(500)
        .startsWith("0,\"0\"\n".getBytes(StandardCharsets.UTF_8));
    assertThat(stored.result().inline()).isNull();
    assertThat(plain.result().inline()).isNotNull();
    assertThat(plain.result().inline().bytes()).isEqualTo(expected);
    assertThat(plain.result().bytes()).isEqualTo(expected.length);
    assertThat(plain.result().rows()).isEqualTo(100);
    assertThat(plain.result().columns())
        .containsExactly(new Column("number", "UInt64"), new Column("s", "String"));
    assertThat(Files.exists(file(plain))).isFalse();
    try (InputStream in =
        new ZstdInputStream(new ByteArrayInputStream(zstd.result().inline().bytes()))) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    assertThat(zstd.result().bytes()).isEqualTo(zstd.result().inline().size());
    assertThat(Files.exists(file(zstd))).isFalse();
  }

  /** The large result of the other tests goes to the store, its row keeps nothing. */
  @Test
  void aResultLargerThanTheInlineSizeIsStored() throws IOException {
    Execution done = succeeded(stack.create(SQL, "CSV", "default"));
    assertThat(done.result().inline()).isNull();
    assertThat(read(done)).hasSize((int) done.result().bytes());
  }

  @ParameterizedTest
  @EnumSource(ResultFormat.class)
  void everyFormatRecordsItsColumnsWithTypes(ResultFormat format) {
    Execution done = succeeded(stack.create(SQL, format.name(), "default"));

    assertThat(done.result().columns())
        .containsExactly(new Column("number", "UInt64"), new Column("s", "String"));
    assertThat(done.result().rows()).isEqualTo(100000);
    assertThat(done.result().durationMillis()).isNotNegative();
  }

  private static Execution succeeded(long id) {
    Execution done = stack.awaitEnd(id);
    assertThat(done.status()).as(done.error()).isEqualTo(ExecutionStatus.SUCCEEDED);
    return done;
  }

  private static Path file(Execution execution) {
    return results.resolve(execution.result().key());
  }

  private static byte[] read(Execution execution) throws IOException {
    return Files.readAllBytes(file(execution));
  }
}
