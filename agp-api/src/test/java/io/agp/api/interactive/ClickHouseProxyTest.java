package io.agp.api.interactive;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.MediaType;

/**
 * {@code /v1/chproxy/} against a real ClickHouse: ClickHouse's answers passed through byte for
 * byte, the credentials ClickHouse clients can send, the tier's locked settings and read-only
 * default, and a client that leaves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClickHouseProxyTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";
  private static final String PROXY = "/v1/chproxy/";

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.default.settings.max_threads=4");
  private final TestApi jwtApi =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.gold.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.keyed.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.keyed.clickhouse.user=" + ClickHouseTestServer.KEYED_QUOTA_USER,
          "--agp.tiers.keyed.send-quota-key=true",
          // What an operator's tier may allow: reading the tier's own queries.
          "--agp.tiers.keyed.allowed-system-tables=defaults,processes",
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET);
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  void stop() {
    api.context.close();
    jwtApi.context.close();
  }

  @Test
  void everyOutputFormatOfTheServerComesThroughByteForByte() throws Exception {
    String sql =
        "SELECT number, toString(number * 3) AS s, [number, 1] AS a, now() > 0 AS t"
            + " FROM system.numbers LIMIT 300";
    List<String> formats =
        clickhouse
            .query("SELECT name FROM system.formats WHERE is_output ORDER BY name")
            .lines()
            .toList();
    assertThat(formats).contains("JSON", "Native", "CSV", "Pretty", "RowBinary");
    for (String format : formats) {
      String query = "?default_format=" + format;
      HttpResponse<byte[]> direct =
          http.send(
              HttpRequest.newBuilder(URI.create(clickhouse.httpUrl() + query))
                  .POST(HttpRequest.BodyPublishers.ofString(sql))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      // Unchecked: the contract cannot say that a body may be empty (format Null).
      Reply proxied =
          api.client.sendUnchecked(
              PROXY + query,
              HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(sql)));
      assertThat(proxied.status()).as(format).isEqualTo(direct.statusCode());
      // The same type and parameters; the server writes them in an order of its own.
      assertThat(MediaType.parseMediaType(proxied.header("Content-Type")))
          .as(format)
          .isEqualTo(MediaType.parseMediaType(direct.headers().firstValue("Content-Type").get()));
      assertThat(withoutTimings(proxied.body()))
          .as("%s, byte for byte but for the run's timings", format)
          .isEqualTo(withoutTimings(direct.body()));
    }
  }

  /** JSON's and XML's statistics say how long the run took: the part two runs do not share. */
  private static String withoutTimings(byte[] body) {
    return new String(body, StandardCharsets.ISO_8859_1)
        .replaceAll("\"elapsed\": [0-9.e-]+", "\"elapsed\": 0")
        .replaceAll("<elapsed>[0-9.e-]+</elapsed>", "<elapsed>0</elapsed>");
  }

  @Test
  void clickHouseErrorsComeThroughAsClickHouseWroteThem() throws Exception {
    HttpResponse<String> direct =
        http.send(
            HttpRequest.newBuilder(clickhouse.httpUrl())
                .POST(HttpRequest.BodyPublishers.ofString("SELEC 1"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Reply proxied = api.client.postSql(PROXY, "SELEC 1");
    assertThat(proxied.status()).isEqualTo(direct.statusCode()).isNotEqualTo(200);
    assertThat(proxied.text()).isEqualTo(direct.body()).startsWith("Code: 62");
  }

  @Test
  void takesTheQueryFromTheUrlTheBodyOrBothJoinedAsClickHouseDoes() {
    assertThat(get(PROXY + "?query=" + encode("SELECT 1 + 1")).text()).isEqualTo("2\n");
    assertThat(api.client.postSql(PROXY + "?query=" + encode("SELECT 2 +"), "3").text())
        .isEqualTo("5\n");
    // curl -d sends a form-encoded body: ClickHouse reads it as SQL, and so does the proxy.
    Reply form =
        api.client.send(
            "POST",
            PROXY,
            HttpRequest.newBuilder()
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'a=b&c' AS x")));
    assertThat(form.text()).isEqualTo("a=b&c\n");
  }

  @Test
  void passesHttpCompressionThrough() throws Exception {
    Reply reply =
        api.client.send(
            "POST",
            PROXY + "?enable_http_compression=1",
            HttpRequest.newBuilder()
                .header("Accept-Encoding", "gzip")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "SELECT number FROM system.numbers LIMIT 10000")));
    assertThat(reply.header("Content-Encoding")).isEqualTo("gzip");
    byte[] plain = new GZIPInputStream(new ByteArrayInputStream(reply.body())).readAllBytes();
    assertThat(new String(plain, StandardCharsets.UTF_8))
        .isEqualTo(clickhouse.query("SELECT number FROM system.numbers LIMIT 10000"));
  }

  @Test
  void refusesASettingTheTierLocksInTheUrlOrInTheSql() {
    for (String setting :
        List.of("max_execution_time=0", "readonly=0", "max_memory_usage=1", "quota_key=x")) {
      Reply reply = api.client.postSql(PROXY + "?" + setting, "SELECT 1");
      assertThat(reply.status()).as(setting).isEqualTo(400);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.json().get("field").asString()).isEqualTo(setting.split("=")[0]);
    }
    Reply inSql = api.client.postSql(PROXY, "SELECT 1 SETTINGS max_execution_time = 0");
    assertThat(inSql.status()).isEqualTo(400);
    assertThat(inSql.json().get("field").asString()).isEqualTo("sql");
    // A setting the tier lets its queries change passes, within its bounds.
    assertThat(api.client.postSql(PROXY + "?max_threads=1", "SELECT 7").text()).isEqualTo("7\n");
    Reply over = api.client.postSql(PROXY + "?max_threads=5", "SELECT 7");
    assertThat(over.status()).isEqualTo(400);
    assertThat(over.json().get("detail").asString()).contains("from 1 to 4");
    // Any other is refused, whether ClickHouse knows it or not.
    for (String setting :
        List.of(
            "http_response_headers=%7B%27Content-Type%27%3A%27text%2Fhtml%27%7D",
            "role=admin",
            "log_queries=0",
            "max_result_rows_leaf=0",
            "result_overflow_mode_leaf=break",
            "a_setting_of_tomorrow=1")) {
      Reply refused = api.client.postSql(PROXY + "?" + setting, "SELECT 1");
      assertThat(refused.status()).as(setting).isEqualTo(400);
      assertThat(refused.json().get("field").asString()).isEqualTo(setting.split("=")[0]);
    }
  }

  @Test
  void writesAreRefusedOnAReadOnlyTier() {
    Reply post = api.client.postSql(PROXY, "CREATE TABLE proxy_write (n UInt8) ENGINE = Memory");
    assertThat(post.status()).isNotEqualTo(200);
    assertThat(post.text()).containsIgnoringCase("readonly");
    Reply get =
        get(PROXY + "?query=" + encode("CREATE TABLE proxy_write (n UInt8) ENGINE = Memory"));
    assertThat(get.status()).isNotEqualTo(200);
    assertThat(clickhouse.query("EXISTS TABLE proxy_write")).isEqualTo("0\n");
  }

  @Test
  void aBasicAuthClientWorksWithItsTokenAsThePassword() throws Exception {
    String token = token("ann");
    Reply basic =
        jwtApi.client.send(
            "POST",
            PROXY,
            HttpRequest.newBuilder()
                .header("Authorization", "Basic " + base64("default:" + token))
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'hello'")));
    assertThat(basic.status()).isEqualTo(200);
    assertThat(basic.text()).isEqualTo("hello\n");
    assertThat(basic.header("X-AGP-Tier")).isEqualTo("default");
    Reply key = jwtApi.client.get(PROXY + "?query=SELECT%201", "X-ClickHouse-Key", token);
    assertThat(key.text()).isEqualTo("1\n");
    Reply parameter =
        jwtApi.client.get(PROXY + "?query=SELECT%202&user=ann&password=" + encode(token));
    assertThat(parameter.text()).isEqualTo("2\n");
    Reply bearer =
        jwtApi.client.get(PROXY + "?query=SELECT%203", "Authorization", "Bearer " + token);
    assertThat(bearer.text()).isEqualTo("3\n");
  }

  @Test
  void aMissingOrForgedTokenIs401AndAnotherTiersIs403() throws Exception {
    Reply none = jwtApi.client.get(PROXY + "?query=SELECT%201");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("Content-Type")).startsWith("application/problem+json");
    Reply forged =
        jwtApi.client.get(
            PROXY + "?query=SELECT%201",
            "Authorization",
            "Basic " + base64("ann:" + forged(token("ann"))));
    assertThat(forged.status()).isEqualTo(401);
    Reply otherTier =
        jwtApi.client.get(
            PROXY + "?query=SELECT%201", "X-ClickHouse-Key", token("ann"), "X-AGP-Tier", "gold");
    assertThat(otherTier.status()).isEqualTo(403);
    assertThat(jwtApi.client.get("/v1/chproxy/ping").text()).isEqualTo("Ok.\n");
  }

  /**
   * The token with one character of its signature changed, well inside it: the last character of a
   * base64url HS256 signature carries only four bits, so changing it may leave the signature as it
   * was.
   */
  private static String forged(String token) {
    char[] chars = token.toCharArray();
    int at = chars.length - 10;
    chars[at] = chars[at] == 'A' ? 'B' : 'A';
    return new String(chars);
  }

  @Test
  void theTokensQuotaKeyIsTheClickHouseQuotaKeyOfBothApis() throws Exception {
    String token = token("dave", Map.of("tier", "keyed", "quota_key", "team-ads"));
    String marker = UUID.randomUUID().toString();
    String sql =
        "SELECT quota_key FROM system.processes WHERE query LIKE '%" + marker + "%' FORMAT TSV";
    Reply proxied =
        jwtApi.client.send(
            "POST",
            PROXY,
            HttpRequest.newBuilder()
                .header("Authorization", "Basic " + base64("dave:" + token))
                .POST(HttpRequest.BodyPublishers.ofString(sql)));
    assertThat(proxied.header("X-AGP-Tier")).isEqualTo("keyed");
    assertThat(proxied.text()).isEqualTo("team-ads\n");
    Reply run =
        jwtApi.client.send(
            "POST",
            "/v1/sync/run?format=TSV",
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "SELECT quota_key FROM system.processes WHERE query LIKE '%"
                            + marker
                            + "%'")));
    assertThat(run.text()).isEqualTo("team-ads\n");
  }

  @Test
  void theSyncRunOfATierTheTokenDoesNotAllowIs403() throws Exception {
    Reply run =
        jwtApi.client.send(
            "POST",
            "/v1/sync/run?tier=gold",
            HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + token("ann"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")));
    assertThat(run.status()).isEqualTo(403);
    assertThat(run.json().get("field").asString()).isEqualTo("tier");
  }

  @Test
  void aClientThatLeavesHasItsQueryKilledWithinASecond() throws Exception {
    String marker = UUID.randomUUID().toString();
    URI url =
        api.url(
            PROXY + "?query_id=mine-" + marker + "&query=" + encode(SlowClients.slowQuery(marker)));
    Socket socket = SlowClients.send("GET", url, "", null);
    SlowClients.awaitRunning(clickhouse, marker);
    assertThat(
            clickhouse.query(
                "SELECT query_id FROM system.processes WHERE query_id LIKE '%" + marker + "'"))
        .as("the client's query_id, behind AGP's prefix and the caller's tag")
        .matches("agp-chproxy-[0-9a-f]{12}-mine-" + marker + "\n");
    System.out.printf(
        "chproxy: query gone %d ms after its client left%n",
        SlowClients.leaveAndAwaitKilled(socket, clickhouse, marker));
  }

  @Test
  void countsQueriesPerTierAndOutcome() throws IOException, InterruptedException {
    api.client.postSql(PROXY, "SELECT 1");
    api.client.postSql(PROXY, "SELEC 1");
    String metrics =
        http.send(
                HttpRequest.newBuilder(api.url("/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains(
            "agp_api_interactive_queries_seconds_count{api=\"chproxy\",outcome=\"succeeded\",tier=\"default\"}")
        .contains(
            "agp_api_interactive_queries_seconds_count{api=\"chproxy\",outcome=\"failed\",tier=\"default\"}");
  }

  private Reply get(String path) {
    return api.client.get(path);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String token(String sub) throws Exception {
    return token(sub, Map.of());
  }

  private static String token(String sub, Map<String, Object> extra) throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .expirationTime(Date.from(Instant.now().plusSeconds(600)));
    extra.forEach(claims::claim);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }
}
