package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseException;
import io.agp.results.ResultCompression;
import io.agp.results.ResultUpload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies ClickHouse's answer into the result store as it arrives, compressed as the tier says, with
 * the result's size bounded: never more than one buffer of it in memory.
 */
final class ResultStreamer {

  private static final Logger log = LoggerFactory.getLogger(ResultStreamer.class);

  /** As large as the client's socket buffer, so that one read takes whatever has arrived. */
  private static final int BUFFER_SIZE = 256 * 1024;

  private final ResultCompression compression;
  private final long maxBytes;

  ResultStreamer(ResultCompression compression, long maxBytes) {
    this.compression = compression;
    this.maxBytes = maxBytes;
  }

  /**
   * Copies the whole answer; the upload is committed by the caller.
   *
   * @throws StreamBroken when ClickHouse's answer broke off before its end
   * @throws StoreFailure when the store refused a write
   * @throws ResultTooLargeException when the answer outgrew the tier's max-result-size
   * @throws ClickHouseException when the answer carried ClickHouse's error in its body
   */
  void copy(InputStream in, ResultUpload upload, ResultInspector inspector) throws IOException {
    OutputStream out;
    try {
      out = compression.encoding(upload.stream());
    } catch (IOException e) {
      throw new StoreFailure(e);
    }
    boolean finished = false;
    try {
      byte[] buffer = new byte[BUFFER_SIZE];
      int n;
      while ((n = read(in, buffer, inspector)) >= 0) {
        inspector.accept(buffer, 0, n);
        if (inspector.bytes() > maxBytes) {
          throw new ResultTooLargeException(maxBytes);
        }
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          throw new StoreFailure(e);
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

  private static int read(InputStream in, byte[] buffer, ResultInspector inspector)
      throws IOException {
    try {
      return in.read(buffer);
    } catch (ClickHouseException e) {
      throw e;
    } catch (IOException e) {
      throw new StreamBroken(inspector.bytes(), e);
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
