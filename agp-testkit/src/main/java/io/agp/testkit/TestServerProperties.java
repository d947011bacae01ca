package io.agp.testkit;

import java.util.HashMap;
import java.util.Map;

/** The properties that point an AGP app at the shared test servers. */
public final class TestServerProperties {

  /** The signed-link secret of test APIs: any value of at least 32 bytes does. */
  public static final String LINK_SECRET = "a link secret of the tests of 32 bytes or more";

  private TestServerProperties() {}

  /**
   * A database of the shared PostgreSQL, the tier {@code default} on the shared ClickHouse, a
   * signed-link secret, and any free port for the app's web server.
   */
  public static Map<String, Object> forDatabase(String jdbcUrl) {
    PostgresTestServer postgres = PostgresTestServer.shared();
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.datasource.url", jdbcUrl);
    properties.put("spring.datasource.username", postgres.user());
    properties.put("spring.datasource.password", postgres.password());
    properties.put(
        "agp.tiers.default.clickhouse.url", ClickHouseTestServer.shared().httpUrl().toString());
    properties.put("agp.api.link-secrets", LINK_SECRET);
    properties.put("server.port", "0");
    return properties;
  }

  /**
   * The properties as command-line arguments: they outrank every configuration file, as an
   * operator's would.
   */
  public static String[] toArgs(Map<String, ?> properties) {
    return properties.entrySet().stream()
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }
}
