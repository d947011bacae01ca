package io.agp.execution;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The identity of a request: an HMAC-SHA256, under a key of the server's, over the normalized SQL,
 * the result format and the parameters. Two requests with the same hash produce the same result, so
 * the hash is the default query_id and decides whether a create may collapse onto an in-flight
 * execution.
 *
 * <p>Keyed, because the hash is shown to callers: a plain digest over the parameters would let
 * anyone who guesses a parameter (a customer id, a short token) confirm it offline.
 */
public final class QueryHash {

  private static final String ALGORITHM = "HmacSHA256";

  // Initialized once; each hash works on a clone, which is far cheaper than a new instance.
  private final Mac prototype;

  /**
   * @param key the HMAC key; every API instance must use the same one
   */
  public QueryHash(byte[] key) {
    if (key.length == 0) {
      throw new IllegalArgumentException("the query hash key is empty");
    }
    try {
      prototype = Mac.getInstance(ALGORITHM);
      prototype.init(new SecretKeySpec(key, ALGORITHM));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }

  public String of(String sql, String format, Map<String, String> parameters) {
    Mac mac = mac();
    update(mac, "sql", normalize(sql));
    update(mac, "format", format);
    // Sorted, so that the order in which a client sent its parameters does not matter.
    new TreeMap<>(parameters).forEach((name, value) -> update(mac, "p:" + name, value));
    return HexFormat.of().formatHex(mac.doFinal());
  }

  /**
   * The hash of a request to a tier, as every create and schedule of AGP computes it: the tier is
   * hashed with the parameters, since tiers may run on other clusters. Its name starts with a NUL
   * so that no parameter of a caller's can clash with it; it is never sent to ClickHouse.
   */
  public String ofTier(String sql, String format, Map<String, String> parameters, String tier) {
    Map<String, String> scoped = new TreeMap<>(parameters);
    scoped.put("\0tier", tier);
    return of(sql, format, scoped);
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

  private static void update(Mac mac, String name, String value) {
    // Length-prefixed fields: no two different requests can produce the same byte sequence.
    for (String part : new String[] {name, value}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      mac.update(
          new byte[] {
            (byte) (bytes.length >>> 24),
            (byte) (bytes.length >>> 16),
            (byte) (bytes.length >>> 8),
            (byte) bytes.length
          });
      mac.update(bytes);
    }
  }

  private Mac mac() {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(ALGORITHM + " of this JVM cannot be cloned", e);
    }
  }
}
