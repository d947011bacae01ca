package io.agp.results;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * Streams an object of unknown length into S3 with fixed-size parts.
 *
 * <p>Bytes collect in a buffer of one part. An object that ends before the buffer overflows is
 * stored with one PutObject. The first byte that does not fit starts a multipart upload; from then
 * on each full buffer is sent as a part by a background thread while the writer fills a second
 * buffer, and the writer waits only if that part is still on its way when the next one is full. So
 * an upload holds at most two parts in memory and has at most one request in flight besides the
 * writer's own.
 *
 * <p>Any failure aborts the multipart upload, so a half-written object never becomes visible. If
 * the abort itself fails (S3 unreachable) it is tried again in the background for a while; past
 * that, or if the worker died, the bookkeeper's orphan sweep aborts the upload of an attempt that
 * no longer runs.
 */
final class S3ResultUpload implements ResultUpload {

  private static final Logger log = LoggerFactory.getLogger(S3ResultUpload.class);

  /** S3's limit on parts per upload. */
  private static final int MAX_PARTS = 10_000;

  /** Small results are common: grow towards a full part instead of allocating one up front. */
  private static final int INITIAL_BUFFER_BYTES = 64 * 1024;

  /** How long an abort waits for a part it interrupted before it aborts the upload anyway. */
  private static final Duration PART_STOP_WAIT = Duration.ofSeconds(30);

  /** How long an abort that could not reach S3 is tried again in the background. */
  private static final Duration ABORT_RETRY_PERIOD = Duration.ofMinutes(15);

  private static final Duration ABORT_RETRY_FIRST_PAUSE = Duration.ofMillis(500);

  /**
   * At most this long between two tries: S3 back after an outage is reached within it, even when
   * the first requests after it fail on connections the outage broke.
   */
  private static final Duration ABORT_RETRY_MAX_PAUSE = Duration.ofSeconds(10);

  private enum State {
    OPEN,
    COMMITTED,
    ABORTED
  }

  private record PartInFlight(Thread thread, FutureTask<CompletedPart> task, byte[] buffer) {}

  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final int partSize;
  private final OutputStream stream = new PartStream();
  private final List<CompletedPart> parts = new ArrayList<>();

  private byte[] buffer;
  private int filled;
  private byte[] spare;
  private PartInFlight inFlight;
  private String uploadId;
  // Read by progress reporting on other threads.
  private volatile long written;
  private State state = State.OPEN;

  S3ResultUpload(S3Client s3, String bucket, String key, int partSize) {
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.partSize = partSize;
    this.buffer = new byte[Math.min(INITIAL_BUFFER_BYTES, partSize)];
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
      throw new IllegalStateException("s3://" + bucket + "/" + key + " was committed already");
    }
    ensureOpen();
    try {
      if (uploadId == null) {
        s3.putObject(b -> b.bucket(bucket).key(key), body(buffer, filled));
      } else {
        awaitPartInFlight();
        // The last part may be short; it is never empty because a full buffer is sent only when
        // a further byte arrives.
        parts.add(uploadPart(parts.size() + 1, buffer, filled));
        s3.completeMultipartUpload(
            b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
      }
      state = State.COMMITTED;
      buffer = null;
      spare = null;
    } catch (IOException | RuntimeException e) {
      abort();
      throw asIoException("commit", e);
    }
  }

  @Override
  public void abort() {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    buffer = null;
    spare = null;
    // An interrupted caller (a canceled execution) is the usual reason to abort, but the SDK
    // refuses to start a request on an interrupted thread: clean up first, re-interrupt after.
    boolean interrupted = Thread.interrupted();
    try {
      stopPartInFlight();
      if (uploadId != null) {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      }
    } catch (RuntimeException e) {
      log.warn(
          "could not abort multipart upload {} of s3://{}/{}; trying again in the background",
          uploadId,
          bucket,
          key,
          e);
      abortLater(uploadId);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    abort();
  }

  /**
   * S3 was unreachable when the upload was aborted: its parts would stay, invisible but billed.
   * Asks again with a growing pause for a while; past it, the bookkeeper's orphan sweep (or a
   * bucket lifecycle rule, {@code AbortIncompleteMultipartUpload}) removes them.
   */
  private void abortLater(String failedUploadId) {
    Thread.ofVirtual()
        .name("s3-abort-" + key)
        .start(
            () -> {
              long deadline = System.nanoTime() + ABORT_RETRY_PERIOD.toNanos();
              Duration pause = ABORT_RETRY_FIRST_PAUSE;
              while (System.nanoTime() < deadline) {
                try {
                  Thread.sleep(pause);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                try {
                  s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(failedUploadId));
                  log.info(
                      "aborted multipart upload {} of s3://{}/{}", failedUploadId, bucket, key);
                  return;
                } catch (NoSuchUploadException e) {
                  return;
                } catch (RuntimeException e) {
                  pause =
                      pause.multipliedBy(2).compareTo(ABORT_RETRY_MAX_PAUSE) > 0
                          ? ABORT_RETRY_MAX_PAUSE
                          : pause.multipliedBy(2);
                }
              }
              log.warn(
                  "gave up aborting multipart upload {} of s3://{}/{}; the bookkeeper's orphan"
                      + " sweep aborts it",
                  failedUploadId,
                  bucket,
                  key);
            });
  }

  private void ensureOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException(
          "upload of s3://" + bucket + "/" + key + " was " + state.name().toLowerCase(Locale.ROOT));
    }
  }

  private void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    try {
      while (len > 0) {
        if (filled == partSize) {
          sendFullBuffer();
        }
        int n = Math.min(len, partSize - filled);
        if (filled + n > buffer.length) {
          buffer =
              Arrays.copyOf(buffer, Math.min(partSize, Math.max(buffer.length * 2, filled + n)));
        }
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
        written += n;
      }
    } catch (IOException | RuntimeException e) {
      abort();
      throw asIoException("write", e);
    }
  }

  private void sendFullBuffer() throws IOException {
    if (uploadId == null) {
      uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    }
    awaitPartInFlight();
    int partNumber = parts.size() + 1;
    // The byte that triggered this send goes into a further part.
    if (partNumber >= MAX_PARTS) {
      throw new IOException(
          "result exceeds S3's "
              + MAX_PARTS
              + " parts of "
              + partSize
              + " bytes; raise the part size");
    }
    byte[] full = buffer;
    FutureTask<CompletedPart> task =
        new FutureTask<>(() -> uploadPart(partNumber, full, full.length));
    Thread thread = Thread.ofVirtual().name("s3-part-" + partNumber + "-" + key).unstarted(task);
    inFlight = new PartInFlight(thread, task, full);
    thread.start();
    buffer = spare != null ? spare : new byte[partSize];
    spare = null;
    filled = 0;
  }

  private void awaitPartInFlight() throws IOException {
    if (inFlight == null) {
      return;
    }
    try {
      parts.add(inFlight.task().get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("interrupted while a part of " + key + " was uploading");
      interrupted.initCause(e);
      throw interrupted;
    } catch (ExecutionException e) {
      inFlight = null;
      throw asIoException("upload a part of", e.getCause());
    }
    spare = inFlight.buffer();
    inFlight = null;
  }

  /** Makes sure no part can land after the upload is aborted. */
  private void stopPartInFlight() {
    if (inFlight == null) {
      return;
    }
    Thread thread = inFlight.thread();
    inFlight = null;
    thread.interrupt();
    boolean stopped = false;
    try {
      stopped = thread.join(PART_STOP_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!stopped) {
      log.warn("a part of s3://{}/{} was still uploading when the upload was aborted", bucket, key);
    }
  }

  private CompletedPart uploadPart(int partNumber, byte[] bytes, int length) {
    String eTag =
        s3.uploadPart(
                b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber),
                body(bytes, length))
            .eTag();
    return CompletedPart.builder().partNumber(partNumber).eTag(eTag).build();
  }

  /** No copy of the buffer: the SDK asks for a fresh stream over it on every retry. */
  private static RequestBody body(byte[] bytes, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(bytes, 0, length), length, "application/octet-stream");
  }

  /**
   * S3's failures become IOExceptions, as callers of a stream expect; any other unchecked failure
   * is a bug and is rethrown as it is.
   */
  private IOException asIoException(String action, Throwable e) {
    if (e instanceof IOException io) {
      return io;
    }
    if (e instanceof SdkException sdk) {
      return new IOException(
          "could not " + action + " s3://" + bucket + "/" + key + ": " + sdk.getMessage(), sdk);
    }
    if (e instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (e instanceof Error error) {
      throw error;
    }
    return new IOException(e);
  }

  private final class PartStream extends OutputStream {

    @Override
    public void write(int b) throws IOException {
      S3ResultUpload.this.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      S3ResultUpload.this.write(b, off, len);
    }

    @Override
    public void close() {
      // Neither commits nor aborts: see ResultUpload.stream().
    }
  }
}
