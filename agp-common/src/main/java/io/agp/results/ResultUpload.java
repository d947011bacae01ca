package io.agp.results;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One object being written. Use it from one thread (only {@link #bytesWritten()} may be read from
 * others), in try-with-resources, so that an upload that is not committed is aborted:
 *
 * <pre>{@code
 * try (ResultUpload upload = store.upload(key)) {
 *   source.transferTo(upload.stream());
 *   upload.commit();
 * }
 * }</pre>
 *
 * <p>A failure while writing or committing aborts the upload before the exception is thrown.
 */
public interface ResultUpload extends AutoCloseable {

  /**
   * Where the bytes go. Closing this stream neither commits nor aborts, so that it can be wrapped
   * in a compressing stream that must be closed to write its trailer.
   */
  OutputStream stream();

  /** Bytes accepted by {@link #stream()} so far; may be read from any thread, e.g. for progress. */
  long bytesWritten();

  /**
   * Makes the object visible under its key, all at once.
   *
   * @throws IOException if the object could not be stored (the upload is then aborted) or the
   *     upload was aborted before
   * @throws IllegalStateException if the upload was committed already
   */
  void commit() throws IOException;

  /**
   * Discards everything written so far, including anything stored on the way. Never throws: a
   * leftover that could not be removed is logged. Does nothing after a commit.
   */
  void abort();

  /** Aborts unless committed. */
  @Override
  void close();
}
