package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.results.ResultStore;
import io.agp.results.RowIndex;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Pages of rows of results the worker stored from ClickHouse, with their row index, in both stores
 * and every compression: the pages hold the rows ClickHouse computed, at any offset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowPagesEndToEndTest {

  private static final long ROWS = 300_000;

  private final AgpStack local;
  private final AgpStack s3;

  RowPagesEndToEndTest() throws Exception {
    local =
        AgpStack.start(
            withTiers(
                Map.of(
                    "agp.results.location",
                    Files.createTempDirectory("agp-rows").toUri().toString())));
    S3TestServer server = S3TestServer.shared();
    server.createBucket("rows-e2e");
    s3 =
        AgpStack.start(
            withTiers(
                Map.of(
                    "agp.results.location", "s3://rows-e2e/results",
                    "agp.results.s3.endpoint", server.endpoint().toString(),
                    "agp.results.s3.region", server.region(),
                    "agp.results.s3.access-key", server.accessKey(),
                    "agp.results.s3.secret-key", server.secretKey(),
                    "agp.results.s3.path-style", "true",
                    "agp.results.s3.checksums-when-required", "true")));
  }

  /** Tiers "gz" and "zs" on the same ClickHouse, storing their results gzip and zstd. */
  private static Map<String, Object> withTiers(Map<String, Object> store) {
    Map<String, Object> properties = new HashMap<>(store);
    String url = ClickHouseTestServer.shared().httpUrl().toString();
    properties.put("agp.tiers.gz.clickhouse.url", url);
    properties.put("agp.tiers.gz.result-compression", "gzip");
    properties.put("agp.tiers.zs.clickhouse.url", url);
    properties.put("agp.tiers.zs.result-compression", "zstd");
    return properties;
  }

  @AfterAll
  void stop() {
    local.close();
    s3.close();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource({
    "local, CSVWithNames, zs",
    "local, JSON, gz",
    "local, TSV, default",
    "local, TSV, zs",
    "local, JSONEachRow, zs",
    "local, TSVWithNamesAndTypes, gz",
    "s3, CSV, zs",
    "s3, JSON, zs",
    "s3, TSVWithNames, default",
    "s3, JSONEachRow, gz"
  })
  void pagesTheWorkersResultFromItsIndex(String store, String format, String tier)
      throws Exception {
    AgpStack stack = store.equals("local") ? local : s3;
    ApiClient client = new ApiClient(stack::apiUrl);
    String sql =
        "SELECT number AS n, concat('v,\\\"', toString(number)) AS s, number * 1000000007 AS big"
            + " FROM system.numbers LIMIT "
            + ROWS;
    ApiClient.Reply created =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"%s\", \"format\": \"%s\", \"tier\": \"%s\"}".formatted(sql, format, tier));
    assertThat(created.status()).isEqualTo(201);
    JsonNode done =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> client.get(created.location()).json(),
                json -> !json.get("status").asString().matches("PENDING|RUNNING"));
    assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");

    ResultStore results = stack.apiBean(ResultStore.class);
    try (InputStream indexed =
        results.open(RowIndex.keyFor(storedKey(stack, created.location())))) {
      assertThat(RowIndex.read(indexed).size()).as("index points").isGreaterThan(5);
    }

    for (long offset : new long[] {0, 1, 123_457, 150_000, 299_950}) {
      JsonNode page =
          client.get(created.location() + "/rows?offset=" + offset + "&limit=100").json();
      long count = Math.min(100, ROWS - offset);
      assertThat(page.get("rows")).hasSize((int) count);
      assertThat(page.get("total_rows").asLong()).isEqualTo(ROWS);
      for (int i = 0; i < count; i++) {
        JsonNode row = page.get("rows").get(i);
        long n = offset + i;
        assertThat(row.get(0).asString()).isEqualTo(Long.toString(n));
        assertThat(row.get(1).asString()).isEqualTo("v,\"" + n);
        assertThat(row.get(2).asString()).isEqualTo(Long.toString(n * 1_000_000_007L));
      }
      if (offset + count < ROWS) {
        assertThat(page.get("next_offset").asLong()).isEqualTo(offset + count);
      } else {
        assertThat(page.get("next_offset").isNull()).isTrue();
      }
    }
    JsonNode past = client.get(created.location() + "/rows?offset=" + ROWS).json();
    assertThat(past.get("rows")).isEmpty();
  }

  private static String storedKey(AgpStack stack, String location) {
    long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
    return JdbcClient.create(PostgresTestServer.shared().dataSource(stack.jdbcUrl()))
        .sql("select result_key from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }
}
