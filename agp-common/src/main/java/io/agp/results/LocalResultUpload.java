package io.agp.results;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to a hidden file beside the target and renames it into place on commit. The file is
 * created on the first write (or at commit for an empty object), so an upload that never receives a
 * byte leaves nothing to clean.
 */
final class LocalResultUpload implements ResultUpload {

  private static final Logger log = LoggerFactory.getLogger(LocalResultUpload.class);

  private static final int BUFFER_BYTES = 64 * 1024;

  /**
   * Bytes written between two background flushes to disk. The kernel starts writing dirty pages
   * back only past a share of the memory (gigabytes on a large host), so without them the fsync of
   * commit would write a whole large result at once while the worker waits; flushing as the result
   * grows overlaps that work with the query instead.
   */
  static final long FLUSH_EVERY_BYTES = 32L * 1024 * 1024;

  /** A concurrent delete may prune the folder between our creating it and the file in it. */
  private static final int CREATE_ATTEMPTS = 3;

  private enum State {
    OPEN,
    COMMITTED,
    ABORTED
  }

  private final LocalResultStore store;
  private final String key;
  private final Path target;
  private final Path partial;
  private final OutputStream stream = new UploadStream();
  private FileChannel channel;
  private OutputStream out;
  // Read by progress reporting on other threads.
  private volatile long written;
  private long flushedUpTo;
  private Thread flusher;
  private State state = State.OPEN;

  LocalResultUpload(LocalResultStore store, String key, Path target) {
    this.store = store;
    this.key = key;
    this.target = target;
    String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    this.partial =
        target.resolveSibling(
            "." + target.getFileName() + LocalResultStore.PARTIAL_MARKER + random);
  }

  @Override
  public OutputStream stream() {
    return stream;
  }

  @Override
  public long bytesWritten() {
    return written;
  }

  @Override
  public void commit() throws IOException {
    if (state == State.COMMITTED) {
      throw new IllegalStateException("result " + key + " was committed already");
    }
    ensureOpen();
    try {
      ensureCreated();
      out.flush();
      awaitFlusher();
      // Durable before visible: a crash after the rename must not expose a truncated file.
      channel.force(true);
      out.close();
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      state = State.COMMITTED;
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  @Override
  public void abort() {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    if (out == null) {
      return;
    }
    try {
      // A background flush still running fails on the closed channel, which is all it can do.
      out.close();
    } catch (IOException e) {
      log.debug("closing the partial file of {} failed; deleting it anyway", key, e);
    }
    try {
      Files.deleteIfExists(partial);
      store.pruneEmptyFolders(partial.getParent());
    } catch (IOException e) {
      log.warn("could not delete the partial file {} of aborted result {}", partial, key, e);
    }
  }

  @Override
  public void close() {
    abort();
  }

  /** Starts flushing the bytes written so far when enough came since the last flush. */
  private void flushInBackground() {
    if (written - flushedUpTo < FLUSH_EVERY_BYTES || (flusher != null && flusher.isAlive())) {
      return;
    }
    flushedUpTo = written;
    flusher =
        Thread.ofVirtual()
            .name("agp-result-flush")
            .start(
                () -> {
                  try {
                    channel.force(false);
                  } catch (IOException e) {
                    // Commit forces again and reports a failing disk; this flush only saves time.
                    log.debug("background flush of result {} failed", key, e);
                  }
                });
  }

  private void awaitFlusher() {
    if (flusher == null) {
      return;
    }
    try {
      flusher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void ensureOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException(
          "upload of result " + key + " was " + state.name().toLowerCase(Locale.ROOT));
    }
  }

  private void ensureCreated() throws IOException {
    if (out != null) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      Files.createDirectories(partial.getParent());
      try {
        channel =
            FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        break;
      } catch (NoSuchFileException e) {
        if (attempt == CREATE_ATTEMPTS) {
          throw e;
        }
      }
    }
    out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
  }

  private final class UploadStream extends OutputStream {

    @Override
    public void write(int b) throws IOException {
      ensureOpen();
      try {
        ensureCreated();
        out.write(b);
        written++;
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      try {
        ensureCreated();
        out.write(b, off, len);
        written += len;
        flushInBackground();
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      // Bytes become durable and visible at commit; flushing earlier buys nothing.
    }

    @Override
    public void close() {
      // Neither commits nor aborts: see ResultUpload.stream().
    }
  }
}
