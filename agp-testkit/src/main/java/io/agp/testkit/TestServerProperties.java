package io.agp.testkit;

import java.util.HashMap;
import java.util.Map;

/** The properties that point an AGP app at the shared test servers. */
public final class TestServerProperties {

  private TestServerProperties() {}

  /**
   * A database of the shared PostgreSQL, the tier {@code default} on the shared ClickHouse, and any
   * free port for the app's web server.
   */
  public static Map<String, Object> forDatabase(String jdbcUrl) {
    PostgresTestServer postgres = PostgresTestServer.shared();
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.datasource.url", jdbcUrl);
    properties.put("spring.datasource.username", postgres.user());
    properties.put("spring.datasource.password", postgres.password());
    properties.put(
        "agp.tiers.default.clickhouse.url", ClickHouseTestServer.shared().httpUrl().toString());
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
