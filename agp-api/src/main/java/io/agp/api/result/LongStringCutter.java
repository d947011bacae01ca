package io.agp.api.result;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A JSON text with every string longer than a bound cut to it: the string keeps its first bytes,
 * then {@link #MARK}, and the rest up to its closing quote is read past without being kept, so that
 * a JSON parser above never holds a string of hundreds of megabytes. The text stays valid JSON: a
 * cut falls neither inside an escape ({@code \n}, {@code \u00e9}) nor inside a UTF-8 character.
 */
final class LongStringCutter extends InputStream {

  /** Ends a string that was cut: a character of Unicode's private use area. */
  static final String MARK = "\uE000";

  private static final byte[] MARK_BYTES = MARK.getBytes(StandardCharsets.UTF_8);
  private static final int CHUNK = 64 * 1024;

  private final InputStream in;
  private final int max;
  private final byte[] chunk = new byte[CHUNK];
  private int chunkPosition;
  private int chunkLength;

  /** Bytes of the mark still to hand out, from {@link #markPosition}. */
  private int markPosition = MARK_BYTES.length;

  private boolean inString;
  private boolean skipping;
  private boolean afterBackslash;
  private int kept;

  /** Bytes still to pass of a {@code \\u} escape. */
  private int escape;

  LongStringCutter(InputStream in, int max) {
    this.in = in;
    this.max = max;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    int count = 0;
    while (count < length) {
      if (markPosition < MARK_BYTES.length) {
        buffer[offset + count++] = MARK_BYTES[markPosition++];
        continue;
      }
      if (chunkPosition == chunkLength) {
        if (count > 0) {
          // What is here already; the next call reads on.
          return count;
        }
        chunkLength = in.read(chunk, 0, CHUNK);
        chunkPosition = 0;
        if (chunkLength <= 0) {
          chunkLength = 0;
          return -1;
        }
      }
      int b = chunk[chunkPosition++] & 0xFF;
      if (pass(b)) {
        buffer[offset + count++] = (byte) b;
      }
    }
    return count;
  }

  /** Whether byte {@code b} goes out; starts the mark where a string is cut. */
  private boolean pass(int b) {
    if (!inString) {
      if (b == '"') {
        inString = true;
        kept = 0;
        skipping = false;
      }
      return true;
    }
    if (afterBackslash) {
      afterBackslash = false;
      escape = b == 'u' ? 4 : 0;
      return !skipping;
    }
    if (escape > 0) {
      escape--;
      return !skipping;
    }
    if (b == '"') {
      inString = false;
      skipping = false;
      return true;
    }
    if (b == '\\') {
      afterBackslash = true;
    }
    if (skipping) {
      return false;
    }
    boolean continuation = (b & 0xC0) == 0x80;
    if (kept >= max && !continuation) {
      // A character boundary past the bound: the mark, then nothing more of this string.
      skipping = true;
      markPosition = 0;
      return false;
    }
    kept++;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
