package io.agp.execution;

/**
 * ClickHouse's escapes in the TSV formats: a tab, a line break, a backslash and a few more are
 * written with a backslash, in the values as in the header's names and types.
 */
public final class TsvEscapes {

  private TsvEscapes() {}

  /** A field as ClickHouse knows it, its escapes undone; {@code \N} (null) is the caller's. */
  public static String unescape(String escaped) {
    if (escaped.indexOf('\\') < 0) {
      return escaped;
    }
    StringBuilder plain = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c != '\\' || i + 1 == escaped.length()) {
        plain.append(c);
        continue;
      }
      char next = escaped.charAt(++i);
      plain.append(
          switch (next) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '0' -> '\0';
            default -> next;
          });
    }
    return plain.toString();
  }
}
