package io.agp.results;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * A sparse index of a stored result's rows: at each point, the row that starts there and its byte
 * offset in the stored object (where a compressed result starts a new frame, so that decoding can
 * begin there) and in the decoded bytes. Points are in increasing order; row 0 may have none, as
 * the header of a format comes before it. Kept as a small object next to the result ({@link
 * #keyFor}), written by the worker as the result streams in.
 *
 * @param rows the row that starts at each point
 * @param stored the offset of each point in the stored (maybe compressed) object
 * @param decoded the offset of each point in the decoded bytes
 */
public record RowIndex(long[] rows, long[] stored, long[] decoded) {

  /** Appended to a result's key to name its index. */
  public static final String SUFFIX = ".rowindex";

  private static final int MAGIC = 0x41475249; // "AGRI"
  private static final int VERSION = 1;

  /** More points than any index may hold when read back: a bound on what a reader allocates. */
  private static final int MAX_POINTS = 1 << 22;

  public RowIndex {
    if (rows.length != stored.length || rows.length != decoded.length) {
      throw new IllegalArgumentException("the index's arrays differ in length");
    }
  }

  /** The key of the index of the result under {@code resultKey}. */
  public static String keyFor(String resultKey) {
    return resultKey + SUFFIX;
  }

  /** The key of the result an index key belongs to, or null when the key names no index. */
  public static String resultKeyOf(String key) {
    return key.endsWith(SUFFIX) ? key.substring(0, key.length() - SUFFIX.length()) : null;
  }

  public int size() {
    return rows.length;
  }

  /** The last point at or before {@code row}, or -1 when there is none. */
  public int floor(long row) {
    int found = Arrays.binarySearch(rows, row);
    return found >= 0 ? found : -found - 2;
  }

  /** The stored offset of the first point after {@code row}, where reading may stop. */
  public OptionalLong storedEndAfter(long row) {
    int found = Arrays.binarySearch(rows, row + 1);
    int at = found >= 0 ? found : -found - 1;
    return at < rows.length ? OptionalLong.of(stored[at]) : OptionalLong.empty();
  }

  public void write(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(rows.length);
    for (int i = 0; i < rows.length; i++) {
      data.writeLong(rows[i]);
      data.writeLong(stored[i]);
      data.writeLong(decoded[i]);
    }
    data.flush();
  }

  /**
   * Reads an index written by {@link #write}.
   *
   * @throws IOException when the bytes are not one
   */
  public static RowIndex read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readInt() != MAGIC || data.readInt() != VERSION) {
      throw new IOException("not a row index");
    }
    int count = data.readInt();
    if (count < 0 || count > MAX_POINTS) {
      throw new IOException("a row index of " + count + " points");
    }
    long[] rows = new long[count];
    long[] stored = new long[count];
    long[] decoded = new long[count];
    for (int i = 0; i < count; i++) {
      rows[i] = data.readLong();
      stored[i] = data.readLong();
      decoded[i] = data.readLong();
      if (i > 0 && (rows[i] <= rows[i - 1] || stored[i] < stored[i - 1])) {
        throw new IOException("a row index out of order");
      }
    }
    return new RowIndex(rows, stored, decoded);
  }
}
