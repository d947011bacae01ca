package io.agp.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Loads one SQL statement from a classpath resource. Callers keep the text in a static final field,
 * so that a missing file fails the application at start-up rather than on first use.
 */
public final class SqlFile {

  private SqlFile() {}

  /** Reads {@code sql/<path>.sql}, e.g. {@code load("execution/claim")}. */
  public static String load(String path) {
    String resource = "sql/" + path + ".sql";
    try (InputStream in = SqlFile.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("SQL resource missing: " + resource);
      }
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      if (sql.isEmpty()) {
        throw new IllegalStateException("SQL resource is empty: " + resource);
      }
      return sql;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
