package io.agp.execution;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The identity of a request: SHA-256 over the normalized SQL, the result format and the parameters.
 * Two requests with the same hash produce the same result, so the hash is the default query_id and
 * decides whether a create may collapse onto an in-flight execution.
 */
public final class QueryHash {

  private QueryHash() {}

  public static String of(String sql, String format, Map<String, String> parameters) {
    MessageDigest digest = sha256();
    update(digest, "sql", normalize(sql));
    update(digest, "format", format);
    // Sorted, so that the order in which a client sent its parameters does not matter.
    new TreeMap<>(parameters).forEach((name, value) -> update(digest, "p:" + name, value));
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The SQL as AGP stores and runs it: line endings unified, surrounding blanks and trailing
   * semicolons removed (AGP appends the FORMAT clause after it). Nothing inside the text changes,
   * since a blank inside a string literal is data.
   */
  public static String normalize(String sql) {
    String text = sql.replace("\r\n", "\n").strip();
    while (text.endsWith(";")) {
      text = text.substring(0, text.length() - 1).stripTrailing();
    }
    return text;
  }

  private static void update(MessageDigest digest, String name, String value) {
    // Length-prefixed fields: no two different requests can produce the same byte sequence.
    for (String part : new String[] {name, value}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      digest.update(
          new byte[] {
            (byte) (bytes.length >>> 24),
            (byte) (bytes.length >>> 16),
            (byte) (bytes.length >>> 8),
            (byte) bytes.length
          });
      digest.update(bytes);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
