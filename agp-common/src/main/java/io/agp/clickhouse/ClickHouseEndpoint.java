package io.agp.clickhouse;

import java.net.URI;
import java.util.Objects;

/**
 * Where and as whom to reach one ClickHouse node over HTTP.
 *
 * @param url the HTTP interface, e.g. {@code http://clickhouse:8123/}
 * @param user sent as {@code X-ClickHouse-User}; {@code default} when null or blank
 * @param password sent as {@code X-ClickHouse-Key}; empty when null
 * @param database the default database of each query; null leaves the user's default
 */
public record ClickHouseEndpoint(URI url, String user, String password, String database) {

  public ClickHouseEndpoint {
    Objects.requireNonNull(url, "url");
    if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
      throw new IllegalArgumentException("ClickHouse url must be http or https: " + url);
    }
    user = user == null || user.isBlank() ? "default" : user;
    password = password == null ? "" : password;
    database = database == null || database.isBlank() ? null : database;
  }

  /** The {@code default} user without a password, on the user's default database. */
  public ClickHouseEndpoint(URI url) {
    this(url, null, null, null);
  }

  // Endpoints end up in logs and error messages: never print the password.
  @Override
  public String toString() {
    return "ClickHouseEndpoint[url="
        + url
        + ", user="
        + user
        + ", password="
        + (password.isEmpty() ? "" : "***")
        + ", database="
        + database
        + "]";
  }
}
