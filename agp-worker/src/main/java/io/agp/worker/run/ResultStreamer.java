package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseException;
import io.agp.results.FramedOutputStream;
import io.agp.results.ResultCompression;
import io.agp.results.ResultUpload;
import io.agp.results.RowIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies ClickHouse's answer into the result store as it arrives, compressed as the tier says, with
 * the result's size bounded: never more than one buffer of it in memory. The header lines that the
 * answer has and the stored format lacks ({@link AnswerHeader}) are taken off on the way, so that
 * the stored bytes, their row count and their row index are those of the stored format.
 */
final class ResultStreamer {

  private static final Logger log = LoggerFactory.getLogger(ResultStreamer.class);

  /** As large as the client's socket buffer, so that one read takes whatever has arrived. */
  static final int BUFFER_SIZE = 256 * 1024;

  private final ResultCompression compression;
  private final long maxBytes;
  private final RowIndexBuilder index;
  private long answerBytes;

  /**
   * @param rowIndexSpacing decoded bytes between two points of the row index, at least (0: none). A
   *     page of rows decodes and skips up to this much, and a read's worth more; each point costs a
   *     compressed result a new frame. Measured with bench/rows/run.sh (bench/README.md).
   */
  ResultStreamer(ResultCompression compression, long maxBytes, long rowIndexSpacing) {
    this.compression = compression;
    this.maxBytes = maxBytes;
    this.index = new RowIndexBuilder(rowIndexSpacing);
  }

  /** The row index of what {@link #copy} stored; empty when the result has no point. */
  Optional<RowIndex> rowIndex() {
    return index.isEmpty() ? Optional.empty() : Optional.of(index.build());
  }

  /**
   * Copies the whole answer but the lines of its header that the stored format lacks; the upload is
   * committed by the caller.
   *
   * @param header the header of the answer, which reads its own lines as they pass
   * @throws StreamBroken when ClickHouse's answer broke off before its end
   * @throws StoreFailure when the store refused a write
   * @throws ResultTooLargeException when the answer outgrew the tier's max-result-size
   * @throws ClickHouseException when the answer carried ClickHouse's error in its body
   */
  void copy(InputStream in, ResultUpload upload, ResultInspector inspector, AnswerHeader header)
      throws IOException {
    FramedOutputStream out = compression.framedEncoding(upload.stream());
    boolean finished = false;
    try {
      byte[] buffer = new byte[BUFFER_SIZE];
      int n;
      while ((n = read(in, buffer)) >= 0) {
        answerBytes += n;
        int at = 0;
        while (at < n && !header.ended()) {
          boolean stored = header.storesLine();
          int taken = header.take(buffer, at, n);
          if (stored) {
            store(buffer, at, taken, out, upload, inspector);
          }
          at += taken;
        }
        if (at < n) {
          store(buffer, at, n - at, out, upload, inspector);
        }
      }
      try {
        // Writes the compressor's trailer; the upload's own stream ignores the close.
        out.close();
      } catch (IOException e) {
        throw new StoreFailure(e);
      }
      finished = true;
    } finally {
      if (!finished) {
        closeQuietly(out);
      }
    }
  }

  /** The bytes of ClickHouse's answer read so far, header lines taken off included. */
  long answerBytes() {
    return answerBytes;
  }

  private void store(
      byte[] buffer,
      int offset,
      int length,
      FramedOutputStream out,
      ResultUpload upload,
      ResultInspector inspector)
      throws IOException {
    long before = inspector.bytes();
    // A point of the row index where a row starts, with a new compression frame there.
    int point = before >= index.nextPointAt() ? inspector.rowStart(buffer, offset, length) : -1;
    long row = inspector.rowAtStart();
    inspector.accept(buffer, offset, length);
    if (inspector.bytes() > maxBytes) {
      throw new ResultTooLargeException(maxBytes);
    }
    try {
      if (point < 0) {
        out.write(buffer, offset, length);
      } else {
        out.write(buffer, offset, point - offset);
        out.endFrame();
        index.add(row, upload.bytesWritten(), before + point - offset);
        out.write(buffer, point, offset + length - point);
      }
    } catch (IOException e) {
      throw new StoreFailure(e);
    }
  }

  private int read(InputStream in, byte[] buffer) throws IOException {
    try {
      return in.read(buffer);
    } catch (ClickHouseException e) {
      throw e;
    } catch (IOException e) {
      throw new StreamBroken(answerBytes, e);
    }
  }

  private static void closeQuietly(OutputStream out) {
    try {
      // Frees a compressor's native memory; the upload is aborted whatever this writes.
      out.close();
    } catch (IOException | RuntimeException e) {
      log.warn("closing the compressor of a failed attempt failed: {}", e.toString());
    }
  }

  /** ClickHouse's answer broke off (connection cut, server gone) before it ended. */
  static final class StreamBroken extends IOException {

    StreamBroken(long bytesRead, IOException cause) {
      super(
          "ClickHouse's answer broke off after "
              + bytesRead
              + " bytes ("
              + FailurePolicy.describe(cause)
              + "); the partial result was discarded",
          cause);
    }
  }

  /** Writing to the result store failed; the upload is aborted. */
  static final class StoreFailure extends IOException {

    StoreFailure(IOException cause) {
      super(cause);
    }
  }
}
