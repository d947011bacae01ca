package io.agp.clickhouse;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The code and message of an error as ClickHouse writes it in a response body. */
record ServerError(int code, String message) {

  /**
   * Matches the head of an error text in both dialects: {@code Code: 62, e.displayText() = } up to
   * 20.x, {@code Code: 62. } from 21.x on.
   */
  static final Pattern HEAD =
      Pattern.compile("Code: (\\d{1,9})(?:, e\\.displayText\\(\\) = |\\. )");

  /**
   * The stricter head looked for after a body's data: it must name an exception class, so that a
   * row like {@code Error Code: 12. retry} is not taken for an error.
   */
  static final Pattern TRAILER_HEAD =
      Pattern.compile("Code: (\\d{1,9})(?:, e\\.displayText\\(\\) = |\\. )[\\w:]*Exception\\b");

  // Up to 20.x the text ends with the exception's class; from 21.x on with the server version.
  private static final Pattern WHAT_SUFFIX = Pattern.compile(",\\s*e\\.what\\(\\) = [\\w:]+\\s*$");
  private static final Pattern VERSION_SUFFIX = Pattern.compile("\\s*\\(version [^\\n]*\\)\\s*$");
  private static final String EXCEPTION_PREFIX = "DB::Exception: ";

  // The server is busy or could not reach another node: the same query may pass later.
  private static final Set<Integer> TRANSIENT_CODES =
      Set.of(
          202, // TOO_MANY_SIMULTANEOUS_QUERIES
          203, // NO_FREE_CONNECTION
          209, // SOCKET_TIMEOUT
          210 // NETWORK_ERROR
          );

  /** Reads the code and message from an error text; code 0 when the text has no code. */
  static ServerError parse(String text) {
    String trimmed = text.strip();
    Matcher head = HEAD.matcher(trimmed);
    if (!head.find()) {
      return new ServerError(0, trimmed);
    }
    int code = Integer.parseInt(head.group(1));
    String message = trimmed.substring(head.end());
    if (message.startsWith(EXCEPTION_PREFIX)) {
      message = message.substring(EXCEPTION_PREFIX.length());
    }
    message = WHAT_SUFFIX.matcher(message).replaceFirst("");
    message = VERSION_SUFFIX.matcher(message).replaceFirst("");
    return new ServerError(code, message.strip());
  }

  static boolean isTransientCode(int code) {
    return TRANSIENT_CODES.contains(code);
  }

  ClickHouseException toException(Throwable cause) {
    String text = code > 0 ? "Code: " + code + ". " + message : message;
    return new ClickHouseException(text, code, isTransientCode(code), cause);
  }
}
