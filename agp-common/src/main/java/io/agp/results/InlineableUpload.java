package io.agp.results;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * An upload that keeps a small object in memory for its caller to keep elsewhere: the worker keeps
 * a tiny result in its execution's row, which spares it the store's write and fsync (or a request
 * to S3) and spares the download its read. Nothing reaches the store while at most {@code limit}
 * bytes came; the first byte beyond starts an upload of the store, which gets what was held and all
 * that follows, and the object is then stored as any other. A limit of 0 sends everything to the
 * store, an empty object too.
 *
 * <p>Use it as any {@link ResultUpload}; after {@link #commit()}, {@link #inline()} tells which way
 * it went.
 */
public final class InlineableUpload implements ResultUpload {

  private final ResultStore store;
  private final String key;
  private final int limit;
  private final OutputStream stream = new Stream();
  private ByteArrayOutputStream held;
  private ResultUpload spilled;
  private InlineResult inline;
  private boolean committed;
  private boolean aborted;
  // Read by progress reporting on other threads.
  private volatile long written;

  /**
   * @param limit the most bytes kept in memory, at most {@link Integer#MAX_VALUE} - 8; 0 keeps none
   */
  public InlineableUpload(ResultStore store, String key, long limit) {
    if (limit < 0 || limit > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("an inline limit of " + limit + " bytes");
    }
    this.store = store;
    this.key = key;
    this.limit = (int) limit;
    if (limit == 0) {
      spilled = store.upload(key);
    } else {
      held = new ByteArrayOutputStream((int) Math.min(limit, 8192));
    }
  }

  @Override
  public OutputStream stream() {
    return stream;
  }

  @Override
  public long bytesWritten() {
    return written;
  }

  /** The object, when it stayed small enough to be kept in memory; empty before the commit. */
  public Optional<InlineResult> inline() {
    return Optional.ofNullable(inline);
  }

  @Override
  public void commit() throws IOException {
    if (committed) {
      throw new IllegalStateException("result " + key + " was committed already");
    }
    if (aborted) {
      throw new IOException("upload of result " + key + " was aborted");
    }
    if (spilled != null) {
      try {
        spilled.commit();
      } catch (IOException | RuntimeException e) {
        aborted = true;
        throw e;
      }
    } else {
      inline = new InlineResult(held.toByteArray());
      held = null;
    }
    committed = true;
  }

  @Override
  public void abort() {
    if (committed || aborted) {
      return;
    }
    aborted = true;
    held = null;
    if (spilled != null) {
      spilled.abort();
    }
  }

  @Override
  public void close() {
    abort();
  }

  /** Sends what was held to the store, which gets everything from now on. */
  private void spill() throws IOException {
    spilled = store.upload(key);
    try {
      held.writeTo(spilled.stream());
      held = null;
    } catch (IOException | RuntimeException e) {
      aborted = true;
      spilled.abort();
      throw e;
    }
  }

  private void ensureOpen() throws IOException {
    if (aborted || committed) {
      throw new IOException(
          "upload of result " + key + " was " + (aborted ? "aborted" : "committed"));
    }
  }

  private final class Stream extends OutputStream {

    private final byte[] one = new byte[1];

    @Override
    public void write(int b) throws IOException {
      one[0] = (byte) b;
      write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      if (spilled == null && held.size() + (long) len > limit) {
        spill();
      }
      if (spilled == null) {
        held.write(b, off, len);
      } else {
        try {
          spilled.stream().write(b, off, len);
        } catch (IOException | RuntimeException e) {
          // The store's upload aborted itself.
          aborted = true;
          throw e;
        }
      }
      written += len;
    }

    @Override
    public void flush() throws IOException {
      if (spilled != null) {
        spilled.stream().flush();
      }
    }
  }
}
