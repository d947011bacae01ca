package io.agp.results;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A result small enough to be kept in its execution's row rather than in the result store: its
 * bytes as the store would hold them, compressed as its tier says ({@link InlineableUpload}). Read
 * it, do not change it: the array is shared, not copied.
 */
public record InlineResult(byte[] bytes) {

  public InlineResult {
    if (bytes == null) {
      throw new IllegalArgumentException("an inline result has bytes, if none");
    }
  }

  /** The result of a row's bytes, or null when the row has none (its result is in the store). */
  public static InlineResult ofNullable(byte[] bytes) {
    return bytes == null ? null : new InlineResult(bytes);
  }

  public int size() {
    return bytes.length;
  }

  /** The bytes from an offset on; an offset at or past the end gives an empty stream. */
  public InputStream open(long offset) {
    return open(offset, Long.MAX_VALUE);
  }

  /**
   * At most {@code length} bytes from an offset on, as {@link ResultStore#open(String, long,
   * long)}.
   */
  public InputStream open(long offset, long length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("offset " + offset + ", length " + length);
    }
    int from = (int) Math.min(offset, bytes.length);
    int to = (int) Math.min(bytes.length, from + Math.min(length, bytes.length));
    return new ByteArrayInputStream(bytes, from, to - from);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InlineResult other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    int shown = Math.min(bytes.length, 16);
    return "InlineResult["
        + bytes.length
        + " bytes: "
        + HexFormat.of().formatHex(bytes, 0, shown)
        + (shown < bytes.length ? "…" : "")
        + "]";
  }
}
