package io.agp.worker.run;

import io.agp.results.RowIndex;
import java.util.Arrays;

/**
 * The points of a result's row index as the result streams in: one at the first row that starts
 * after every {@code spacing} decoded bytes. When the points outgrow their bound, every other one
 * goes and the spacing doubles, so that the index of a result of any size stays small.
 */
final class RowIndexBuilder {

  static final int MAX_POINTS = 1 << 16;

  private long spacing;
  private long[] rows = new long[64];
  private long[] stored = new long[64];
  private long[] decoded = new long[64];
  private int size;

  RowIndexBuilder(long spacing) {
    this.spacing = spacing;
  }

  /** The decoded offset from which the next point is due; never when the spacing is 0. */
  long nextPointAt() {
    if (spacing <= 0) {
      return Long.MAX_VALUE;
    }
    return size == 0 ? spacing : decoded[size - 1] + spacing;
  }

  void add(long row, long storedOffset, long decodedOffset) {
    if (size > 0 && row <= rows[size - 1]) {
      return;
    }
    if (size == rows.length) {
      if (size >= MAX_POINTS) {
        thin();
      } else {
        rows = Arrays.copyOf(rows, size * 2);
        stored = Arrays.copyOf(stored, size * 2);
        decoded = Arrays.copyOf(decoded, size * 2);
      }
    }
    rows[size] = row;
    stored[size] = storedOffset;
    decoded[size] = decodedOffset;
    size++;
  }

  private void thin() {
    int kept = 0;
    for (int i = 1; i < size; i += 2) {
      rows[kept] = rows[i];
      stored[kept] = stored[i];
      decoded[kept] = decoded[i];
      kept++;
    }
    size = kept;
    spacing *= 2;
  }

  boolean isEmpty() {
    return size == 0;
  }

  RowIndex build() {
    return new RowIndex(
        Arrays.copyOf(rows, size), Arrays.copyOf(stored, size), Arrays.copyOf(decoded, size));
  }
}
