package io.agp.it.security;

import io.agp.api.ApiApplication;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * AGP as a team would run it for many analysts: JWT authentication with an issuer and audience,
 * several tiers, and a worker, on one database. Two API instances share it: the main one with the
 * default sharing (per user), and one that shares per tier with a tight rate limit.
 *
 * <p>Tiers: {@code default} and {@code vip}; {@code short}, whose max-run-time of 2 s only the
 * worker enforces (its settings let ClickHouse run for ever); {@code keyed}, which sends quota keys
 * as a ClickHouse user whose quota is keyed; {@code capped}, {@code idle} (two in flight per user),
 * served by no worker, so that their executions stay PENDING. The main API lets each user hold
 * three event streams and two downloads at once.
 */
final class SecureStack implements AutoCloseable {

  final ConfigurableApplicationContext api;
  final ConfigurableApplicationContext tierScopeApi;
  final ConfigurableApplicationContext worker;
  final JdbcClient jdbc;

  private SecureStack(
      ConfigurableApplicationContext api,
      ConfigurableApplicationContext tierScopeApi,
      ConfigurableApplicationContext worker,
      JdbcClient jdbc) {
    this.api = api;
    this.tierScopeApi = tierScopeApi;
    this.worker = worker;
    this.jdbc = jdbc;
  }

  static SecureStack start() {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    String clickhouse = ClickHouseTestServer.shared().httpUrl().toString();
    Map<String, Object> common = new HashMap<>(TestServerProperties.forDatabase(jdbcUrl));
    common.put("agp.results.location", resultFolder());
    for (String tier : new String[] {"vip", "short", "keyed", "capped", "idle"}) {
      common.put("agp.tiers." + tier + ".clickhouse.url", clickhouse);
    }
    common.put("agp.tiers.short.max-run-time", "2s");
    common.put("agp.tiers.short.settings.max_execution_time", "0");
    common.put("agp.tiers.keyed.clickhouse.user", ClickHouseTestServer.KEYED_QUOTA_USER);
    common.put("agp.tiers.keyed.send-quota-key", "true");
    // An operator's tier that may read the queries of its own user (its quota keys).
    common.put("agp.tiers.keyed.allowed-system-tables", "defaults,processes");
    // A value of its own, which a query may lower (max_threads<=tier).
    common.put("agp.tiers.default.settings.max_threads", "4");
    common.put("agp.tiers.capped.max-pending-per-user", "2");
    common.put("agp.worker.poll-interval", "100ms");
    common.put("agp.api.auth.mode", "jwt");
    common.put("agp.api.auth.jwt-secret", Tokens.SECRET);
    common.put("agp.api.auth.issuer", Tokens.ISSUER);
    common.put("agp.api.auth.audience", Tokens.AUDIENCE);
    common.put("agp.api.auth.clock-skew", "5s");
    common.put("agp.api.auth.role-tiers.vip-analyst", "vip");
    common.put("agp.api.auth.role-tiers.tester", "short,keyed,capped,idle,default");
    common.put("agp.api.auth.role-tiers.admin", "*");

    Map<String, Object> api = new HashMap<>(common);
    // High enough that the tests never meet it; the other instance's is the one under test.
    api.put("agp.api.rate-limit.requests-per-second", "5000");
    api.put("agp.api.rate-limit.burst", "5000");
    // Small per-user bounds, so that the tests reach them with a few requests.
    api.put("agp.api.per-user.event-streams", "3");
    api.put("agp.api.per-user.downloads", "2");
    Map<String, Object> tierScope = new HashMap<>(common);
    tierScope.put("agp.api.share-scope", "tier");
    tierScope.put("agp.api.rate-limit.requests-per-second", "1");
    tierScope.put("agp.api.rate-limit.burst", "200");
    Map<String, Object> worker = new HashMap<>(common);
    worker.put("agp.worker.tiers", "default,vip,short,keyed");

    ConfigurableApplicationContext apiApp =
        ApiApplication.builder().run(TestServerProperties.toArgs(api));
    ConfigurableApplicationContext tierScopeApp =
        ApiApplication.builder().run(TestServerProperties.toArgs(tierScope));
    ConfigurableApplicationContext workerApp =
        WorkerApplication.builder().run(TestServerProperties.toArgs(worker));
    return new SecureStack(
        apiApp,
        tierScopeApp,
        workerApp,
        JdbcClient.create(PostgresTestServer.shared().dataSource(jdbcUrl)));
  }

  private static String resultFolder() {
    try {
      return Files.createTempDirectory("agp-security-results").toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The main API's port. */
  int apiPort() {
    return ((WebServerApplicationContext) api).getWebServer().getPort();
  }

  /** A user of the main API (sharing per user). */
  Caller as(String token) {
    return new Caller(path -> url(api, path), token);
  }

  /** A user of the API that shares per tier. */
  Caller onTierScope(String token) {
    return new Caller(path -> url(tierScopeApi, path), token);
  }

  private static URI url(ConfigurableApplicationContext app, String path) {
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }

  @Override
  public void close() {
    worker.close();
    tierScopeApi.close();
    api.close();
  }
}
