package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.embedded.ClickHouseServer;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ClickHouse's own side of the tiers, {@code deploy/clickhouse/users.d/agp-tiers.xml}, as
 * ClickHouse 18.16 takes it (without the settings constraints it does not know): the tier user
 * {@code agp_default} reads the analytics database only, cannot write or lift readonly, and its
 * quota is kept per quota key, so that ClickHouse budgets each AGP user on its own. The quota's
 * budget is lowered here so that a test can reach it; everything else is the file as shipped. (On
 * 24.x and 25.x the docker-tagged suite applies the SQL form and its grants.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClickHouseAccessRecipeTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final ClickHouseServer server;

  ClickHouseAccessRecipeTest() throws IOException {
    String recipe =
        ClickHouseTestServer.tiersRecipe()
            .replace("<read_rows>100000000000</read_rows>", "<read_rows>1000</read_rows>");
    assertThat(recipe).contains("<read_rows>1000</read_rows>");
    server =
        ClickHouseServer.launch(
            Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "agp-recipe-"),
            Map.of(ClickHouseTestServer.TIERS_FILE, recipe));
    server.query("CREATE DATABASE IF NOT EXISTS analytics");
    server.query("CREATE TABLE analytics.hits (n UInt32) ENGINE = Memory");
    server.query(
        "INSERT INTO analytics.hits SELECT toUInt32(number) FROM system.numbers LIMIT 600");
    server.query("CREATE TABLE default.secrets (s String) ENGINE = Memory");
  }

  @AfterAll
  void stop() {
    server.destroy();
  }

  private record Answer(int status, String body) {}

  /** A query as the tier's user, as AGP sends it (readonly=2, the quota key). */
  private Answer asTier(String sql, String quotaKey) throws Exception {
    String url =
        server.httpUrl()
            + "?user=agp_default&password=agp&database=analytics&readonly=2"
            + (quotaKey == null
                ? ""
                : "&quota_key=" + URLEncoder.encode(quotaKey, StandardCharsets.UTF_8));
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  @Test
  void theTierUserReadsTheAnalyticsDatabaseOnly() throws Exception {
    assertThat(asTier("SELECT count() FROM hits", "reader").body()).isEqualTo("600\n");
    Answer other = asTier("SELECT * FROM default.secrets", "reader");
    assertThat(other.status()).isNotEqualTo(200);
    assertThat(other.body()).contains("Access denied to database default");
  }

  @Test
  void theTierUserCannotWriteNorLiftReadonlyWhateverAQuerySays() throws Exception {
    Answer create = asTier("CREATE TABLE analytics.mine (x UInt8) ENGINE = Memory", "writer");
    assertThat(create.status()).isNotEqualTo(200);
    assertThat(create.body()).contains("readonly");
    Answer lift = asTier("SELECT 1 SETTINGS readonly = 0", "writer");
    assertThat(lift.status()).isNotEqualTo(200);
    assertThat(lift.body()).contains("readonly");
    String url = server.httpUrl() + "?user=agp_default&password=agp&readonly=0";
    HttpResponse<String> urlLift =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(urlLift.statusCode()).isNotEqualTo(200);
  }

  @Test
  void theQuotaIsKeptPerAgpUser() throws Exception {
    // 1,000 rows an hour per key: the second or third read of 600 goes over it, for that key
    // alone (ClickHouse checks the budget as it reads, and before a query starts).
    assertThat(asTier("SELECT count() FROM hits", "alice").body()).isEqualTo("600\n");
    Answer second = asTier("SELECT count() FROM hits", "alice");
    Answer third = asTier("SELECT count() FROM hits", "alice");
    assertThat(third.status()).isNotEqualTo(200);
    assertThat(third.body()).containsIgnoringCase("quota");
    assertThat(second.status() == 200 || second.body().toLowerCase().contains("quota")).isTrue();
    assertThat(asTier("SELECT count() FROM hits", "bob").body()).isEqualTo("600\n");
  }
}
