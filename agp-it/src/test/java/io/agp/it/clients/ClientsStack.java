package io.agp.it.clients;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.client.ApiClient;
import io.agp.client.api.ExecutionsApi;
import io.agp.it.AgpStack;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The AGP that the command-line and generated-client tests of a JVM share: the API (bearer tokens,
 * as a team runs it), a worker and the bookkeeper, results in a folder. Tier {@code default} stores
 * results as they are, tier {@code gzip} compressed (the API then decodes them on the fly). Started
 * on first use, stopped when the JVM exits.
 */
final class ClientsStack {

  static final String SECRET = "the token secret of the command-line tests, 32+ bytes";

  private static ClientsStack shared;

  private final AgpStack stack;

  private ClientsStack(AgpStack stack) {
    this.stack = stack;
  }

  static synchronized ClientsStack shared() {
    if (shared == null) {
      AgpStack stack =
          AgpStack.start(
              Map.of(
                  "agp.results.location",
                  resultFolder(),
                  "agp.api.auth.mode",
                  "jwt",
                  "agp.api.auth.jwt-secret",
                  SECRET,
                  "agp.tiers.gzip.clickhouse.url",
                  ClickHouseTestServer.shared().httpUrl().toString(),
                  "agp.tiers.gzip.result-compression",
                  "gzip",
                  "agp.tiers.idle.clickhouse.url",
                  ClickHouseTestServer.shared().httpUrl().toString(),
                  "agp.worker.tiers",
                  "default,gzip",
                  // Values of their own, which a query may lower (max_threads<=tier).
                  "agp.tiers.default.settings.max_threads",
                  "4",
                  "agp.tiers.idle.settings.max_threads",
                  "4"));
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "clients-stack-shutdown"));
      shared = new ClientsStack(stack);
    }
    return shared;
  }

  /** The API's base URL, as a user would configure it. */
  String url() {
    String url = stack.apiUrl("/").toString();
    return url.substring(0, url.length() - 1);
  }

  /** The generated client of the API, as {@code token}'s user. */
  ExecutionsApi executions(String token) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(url());
    client.setReadTimeout(Duration.ofSeconds(90));
    client.setRequestInterceptor(r -> r.header("Authorization", "Bearer " + token));
    return new ExecutionsApi(client);
  }

  /** A token of {@code user} for every tier, valid for an hour. */
  static String token(String user) {
    return token(user, List.of());
  }

  /** A token of {@code user} with {@code roles}, for every tier, valid for an hour. */
  static String token(String user, List<String> roles) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(user)
            .claim("tier", List.of("default", "gzip", "idle"))
            .claim("roles", roles)
            .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
            .build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ClickHouse's own view: the queries it runs now for an execution. */
  static int runningQueries(long executionId) {
    String count =
        ClickHouseTestServer.shared()
            .query(
                "SELECT count() FROM system.processes WHERE query_id LIKE 'agp-"
                    + executionId
                    + "-%'");
    return Integer.parseInt(count.strip());
  }

  /**
   * A table whose scan ClickHouse can tell the total rows of, read a row every {@code
   * secondsPerRow}: a query with a percent that moves for a few seconds.
   */
  static String slowQuery(int rows, double secondsPerRow) {
    String table = "default.cli_slow_" + rows;
    ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
    clickhouse.query(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (n UInt64) ENGINE = MergeTree ORDER BY n SETTINGS index_granularity = 1");
    if (clickhouse.query("SELECT count() FROM " + table).strip().equals("0")) {
      clickhouse.query("INSERT INTO " + table + " SELECT number FROM numbers(" + rows + ")");
    }
    return "SELECT count() FROM "
        + table
        + " WHERE sleepEachRow("
        + secondsPerRow
        + ") = 0 SETTINGS max_block_size = 1, max_threads = 1";
  }

  private static String resultFolder() {
    try {
      return Files.createTempDirectory("agp-cli-results").toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
