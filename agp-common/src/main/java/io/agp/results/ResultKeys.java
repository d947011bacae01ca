package io.agp.results;

/**
 * The one rule for keys, shared by every store so that a key valid on one is valid on all, and so
 * that no key can reach outside a local store's folder.
 */
final class ResultKeys {

  private ResultKeys() {}

  static String checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("a result key must not be empty");
    }
    checkSegments(key, key);
    return key;
  }

  /** Like a key, but may be empty or end with {@code /}; matches keys by plain string prefix. */
  static String checkPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("a result key prefix must not be null");
    }
    if (prefix.isEmpty()) {
      return prefix;
    }
    String segments = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("invalid result key prefix: " + prefix);
    }
    checkSegments(segments, prefix);
    return prefix;
  }

  private static void checkSegments(String path, String original) {
    // A backslash is a separator on Windows, and NUL ends a path in C: either could let a key name
    // a file the segment check below did not see.
    if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid character in result key: " + original);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "a result key is a relative path without empty, '.' or '..' segments: " + original);
      }
    }
  }
}
