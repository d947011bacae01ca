package io.agp.clickhouse;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * Turns an error that ClickHouse wrote at the end of a 200 response into an exception, so that a
 * reader never takes a failed query's partial output for a complete result.
 *
 * <p>Once rows have been sent the status can no longer change, so a query that fails later writes
 * its error into the body. The form depends on the server version:
 *
 * <ul>
 *   <li>up to 20.x: {@code Code: 395, e.displayText() = DB::Exception: ..., e.what() =
 *       DB::Exception} appended to the data, and a clean end of stream;
 *   <li>21.x to 24.10: {@code Code: 395. DB::Exception: ... (version ...)}, the same way;
 *   <li>24.11 to 25.10: {@code __exception__\r\n} and the text, and the final chunk is never sent;
 *   <li>25.11 on: the response carries {@code X-ClickHouse-Exception-Tag: T} and the error is
 *       framed as {@code \r\n__exception__\r\nT\r\n<text>\n<length> T\r\n__exception__\r\n}.
 * </ul>
 *
 * <p>The last {@link #RING_SIZE} bytes are kept; when the stream ends, cleanly or with an {@link
 * IOException}, they are searched for those forms, and a match fails the read with a {@link
 * ClickHouseException}. Without a match an end of stream is returned as usual and an {@link
 * IOException} is rethrown, never hidden.
 *
 * <p>The untagged forms cannot be told apart from data that ends with the same words; the search is
 * therefore limited to the end of the body: the error text must run to the end, on one line or
 * ending the way ClickHouse ends it. Data that merely contains such words earlier is not flagged.
 */
final class TrailingExceptionDetector extends FilterInputStream {

  static final int RING_SIZE = 64 * 1024;

  /** ClickHouse (25.11) caps a framed error at 16 KiB; an untagged one is looked for as far. */
  private static final int LEGACY_WINDOW = 16 * 1024;

  private static final String MARKER = "__exception__";

  private final String exceptionTag;
  private final byte[] ring = new byte[RING_SIZE];
  private long seen;
  private boolean ended;
  private ClickHouseException failure;

  /**
   * @param exceptionTag the {@code X-ClickHouse-Exception-Tag} header of the response, or null
   */
  TrailingExceptionDetector(InputStream in, String exceptionTag) {
    super(Objects.requireNonNull(in, "in"));
    this.exceptionTag = exceptionTag == null || exceptionTag.isBlank() ? null : exceptionTag;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (ended) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      ServerError error = findError();
      if (error == null) {
        throw e;
      }
      failure = error.toException(e);
      throw failure;
    }
    if (n < 0) {
      ServerError error = findError();
      if (error != null) {
        failure = error.toException(null);
        throw failure;
      }
      ended = true;
      return -1;
    }
    remember(b, off, n);
    return n;
  }

  // Skipped bytes must pass through the ring too, or an error at the end could be missed.
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buffer = new byte[(int) Math.min(n, 8192)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public void mark(int readlimit) {
    // not supported: a reset would feed the ring the same bytes twice
  }

  @Override
  public void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  private void remember(byte[] b, int off, int n) {
    if (n > RING_SIZE) {
      // Only the last RING_SIZE bytes can matter; the write below then wraps exactly once.
      off += n - RING_SIZE;
      seen += n - RING_SIZE;
      n = RING_SIZE;
    }
    int pos = (int) (seen % RING_SIZE);
    int first = Math.min(n, RING_SIZE - pos);
    System.arraycopy(b, off, ring, pos, first);
    if (first < n) {
      System.arraycopy(b, off + first, ring, 0, n - first);
    }
    seen += n;
  }

  /** The last bytes read, oldest first. */
  private byte[] tail() {
    if (seen <= RING_SIZE) {
      byte[] copy = new byte[(int) seen];
      System.arraycopy(ring, 0, copy, 0, copy.length);
      return copy;
    }
    int start = (int) (seen % RING_SIZE);
    byte[] copy = new byte[RING_SIZE];
    System.arraycopy(ring, start, copy, 0, RING_SIZE - start);
    System.arraycopy(ring, 0, copy, RING_SIZE - start, start);
    return copy;
  }

  /** The error at the end of what was read, or null when the data ends as data. */
  ServerError findError() {
    // ISO-8859-1 maps each byte to one char, so indexes in the text are byte offsets.
    String text = new String(tail(), StandardCharsets.ISO_8859_1);
    if (exceptionTag != null) {
      // A server that tags its errors frames every one of them: other forms would be data.
      return findTagged(text);
    }
    ServerError marked = findMarked(text);
    return marked != null ? marked : findLegacy(text);
  }

  private ServerError findTagged(String text) {
    int from = text.length();
    while (from >= 0) {
      int marker = text.lastIndexOf(MARKER, from);
      if (marker < 0) {
        return null;
      }
      int afterMarker = skipNewline(text, marker + MARKER.length());
      if (afterMarker > marker + MARKER.length() && text.startsWith(exceptionTag, afterMarker)) {
        int messageStart = skipNewline(text, afterMarker + exceptionTag.length());
        if (messageStart > afterMarker + exceptionTag.length()) {
          return ServerError.parse(
              utf8(text.substring(messageStart, taggedEnd(text, messageStart))));
        }
      }
      from = marker - 1;
    }
    return null;
  }

  /** Where the text of a framed error ends: before {@code \n<length> <tag>}, or at the end. */
  private int taggedEnd(String text, int messageStart) {
    int closing = text.lastIndexOf(" " + exceptionTag);
    if (closing < messageStart) {
      return text.length();
    }
    int end = closing;
    while (end > messageStart && Character.isDigit(text.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private static ServerError findMarked(String text) {
    int marker = text.lastIndexOf(MARKER);
    if (marker < 0) {
      return null;
    }
    int messageStart = skipNewline(text, marker + MARKER.length());
    if (messageStart == marker + MARKER.length()) {
      return null;
    }
    Matcher head = ServerError.TRAILER_HEAD.matcher(text).region(messageStart, text.length());
    if (!head.lookingAt()) {
      return null;
    }
    return ServerError.parse(utf8(text.substring(messageStart)));
  }

  private static ServerError findLegacy(String text) {
    int windowStart = Math.max(0, text.length() - LEGACY_WINDOW);
    Matcher head = ServerError.TRAILER_HEAD.matcher(text).region(windowStart, text.length());
    // The earliest plausible head wins: an error that quotes another one ("Code: 279 ... Log:
    // Code: 210 ...") reports its own code.
    while (head.find()) {
      String rest = text.substring(head.start());
      if (runsToTheEnd(rest)) {
        return ServerError.parse(utf8(rest));
      }
    }
    return null;
  }

  /** Whether an error text starting here can be the last thing the server wrote. */
  private static boolean runsToTheEnd(String rest) {
    String body = rest.stripTrailing();
    return body.indexOf('\n') < 0
        || body.matches("(?s).*,\\s*e\\.what\\(\\) = [\\w:]+")
        || body.matches("(?s).*\\(version [^\\n]*\\)");
  }

  private static int skipNewline(String text, int at) {
    if (text.startsWith("\r\n", at)) {
      return at + 2;
    }
    if (text.startsWith("\n", at)) {
      return at + 1;
    }
    return at;
  }

  private static String utf8(String latin1) {
    return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }
}
