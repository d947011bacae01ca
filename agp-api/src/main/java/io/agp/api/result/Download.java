package io.agp.api.result;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One result on its way to a client, written without blocking (the servlet API's {@link
 * WriteListener}): a slice is handed to the server only when it says the connection can take more,
 * and the server calls back when it can. No thread waits on a slow client and no write is ever
 * stuck in the server, so a download that stopped moving can be ended from another thread ({@link
 * #cut}) at once and safely. A download has no time limit of its own; {@link DownloadWatchdog} cuts
 * it once it has sent nothing for the idle timeout.
 */
final class Download implements WriteListener, AsyncListener {

  private static final Logger log = LoggerFactory.getLogger(Download.class);

  private static final int BUFFER = 64 * 1024;

  /**
   * Bytes handed to the server per write: progress is seen per slice, so that a slow client taking
   * a buffer little by little is seen moving, and the server holds at most a slice for a client
   * that takes nothing.
   */
  private static final int SLICE = 8 * 1024;

  /** What the client gets of the stored object. */
  interface Body {

    /** The bytes to send, read from the stored object. Closing them closes the stored object. */
    InputStream open(InputStream stored) throws IOException;

    /** How many bytes are promised (Content-Length), or -1 for as many as there are. */
    long length();
  }

  private enum State {
    RUNNING,
    DONE,
    FAILED,
    CUT
  }

  private final long executionId;
  private final InputStream stored;
  private final Body body;
  private final ConnectionDrops.Drop drop;
  private final Clock clock;
  private final AtomicBoolean storedClosed = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  private final byte[] buffer = new byte[BUFFER];
  private volatile long lastProgressMillis;
  private volatile long sent;
  private State state = State.RUNNING;

  // Set by start; used by the server's callbacks, which it never runs two at a time.
  private AsyncContext async;
  private ServletOutputStream out;
  private LongConsumer onRelease;
  private InputStream bytes;
  private int position;
  private int limit;

  Download(
      long executionId, InputStream stored, Body body, ConnectionDrops.Drop drop, Clock clock) {
    this.executionId = executionId;
    this.stored = stored;
    this.body = body;
    this.drop = drop;
    this.clock = clock;
    this.lastProgressMillis = clock.millis();
  }

  long executionId() {
    return executionId;
  }

  /** When bytes last went out (or the download started), in the clock's milliseconds. */
  long lastProgressMillis() {
    return lastProgressMillis;
  }

  long sent() {
    return sent;
  }

  /**
   * Starts writing into the asynchronous request's response, whose status and headers are set.
   *
   * @param onRelease run once the download has ended, whichever way, with the bytes it sent
   */
  void start(AsyncContext async, LongConsumer onRelease) throws IOException {
    this.async = async;
    this.onRelease = onRelease;
    try {
      async.addListener(this);
      out = async.getResponse().getOutputStream();
      out.setWriteListener(this);
    } catch (IOException | RuntimeException e) {
      // Without a way to write, the request would wait for good: end it.
      end(State.FAILED);
      completeQuietly();
      throw e;
    }
  }

  @Override
  public void onWritePossible() {
    try {
      if (bytes == null) {
        // The head goes out at once, before the first stored byte is read: the client learns the
        // type and length without waiting for the store, and a failure from here on is always a
        // body that ends short.
        out.flush();
        bytes = open();
      }
      while (out.isReady()) {
        if (position == limit && !fill()) {
          end(State.DONE);
          async.complete();
          return;
        }
        int slice = Math.min(SLICE, limit - position);
        if (sent + slice == body.length()) {
          // The last promised bytes: the client may have them, and send its next request, before
          // this write returns. What the download holds (the user's place among the downloads)
          // is let go first, so that the next request finds it free.
          end(State.DONE);
        }
        out.write(buffer, position, slice);
        position += slice;
        sent += slice;
        lastProgressMillis = clock.millis();
      }
    } catch (StoreFailure e) {
      failed(e.getCause());
    } catch (IOException | RuntimeException e) {
      // A write the server refused: the connection broke; the server reports it in onError too.
      clientLeft(e);
    }
  }

  private InputStream open() throws StoreFailure {
    try {
      return body.open(stored);
    } catch (IOException | RuntimeException e) {
      throw new StoreFailure(e);
    }
  }

  /** Reads the next bytes into the buffer; false once all the promised bytes have gone out. */
  private boolean fill() throws StoreFailure {
    long length = body.length();
    long left = length < 0 ? buffer.length : length - sent;
    if (left == 0) {
      return false;
    }
    int n;
    try {
      n = bytes.read(buffer, 0, (int) Math.min(buffer.length, left));
    } catch (IOException | RuntimeException e) {
      throw new StoreFailure(e);
    }
    if (n < 0) {
      if (length >= 0) {
        throw new StoreFailure(new IOException("the stored result ended " + left + " bytes early"));
      }
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }

  /** The server found the connection broken (a client that left, a write timeout). */
  @Override
  public void onError(Throwable e) {
    clientLeft(e);
  }

  private void clientLeft(Throwable e) {
    if (end(State.FAILED)) {
      log.debug(
          "download of execution {} ended by its client after {} bytes", executionId, sent, e);
    }
    completeQuietly();
  }

  /**
   * The store failed mid-way. The client was promised a length (or a chunked end) and would wait
   * for the rest, so the connection is dropped: the client sees it end short.
   */
  private void failed(Throwable e) {
    if (end(State.FAILED)) {
      log.warn(
          "download of execution {} failed after {} bytes; its connection is dropped",
          executionId,
          sent,
          e);
      drop.now(e);
    }
    completeQuietly();
  }

  /**
   * Cuts a download that stopped moving: closes the stored object, which releases its S3 connection
   * or file at once, and drops the client's connection. Safe from any thread: the download is never
   * inside a write that waits for the client.
   *
   * @return false if the download had ended already
   */
  synchronized boolean cut(String reason) {
    if (state != State.RUNNING) {
      return false;
    }
    state = State.CUT;
    closeStored();
    // Under the lock: the server reuses its response objects once the request has ended, which
    // no callback (each of them takes the lock to end the download) can let happen meanwhile. The
    // server's error callback, which the drop brings, completes the request.
    drop.now(new IOException(reason));
    return true;
  }

  /** Moves from RUNNING to an end and releases what the download holds; false if ended already. */
  private boolean end(State end) {
    boolean first;
    synchronized (this) {
      first = state == State.RUNNING;
      if (first) {
        state = end;
      }
    }
    release();
    return first;
  }

  private void release() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    if (bytes != null) {
      try {
        // Frees a decoder's native memory too; closes the stored object under it.
        bytes.close();
      } catch (IOException | RuntimeException e) {
        log.debug("could not close the result stream of execution {}", executionId, e);
      }
    }
    closeStored();
    if (onRelease != null) {
      onRelease.accept(sentInAll());
    }
  }

  /**
   * The bytes the download sent, or is sending: a download that ended DONE is released just before
   * its last write, whose bytes are then all it promised.
   */
  private long sentInAll() {
    boolean done;
    synchronized (this) {
      done = state == State.DONE;
    }
    return done && body.length() >= 0 ? body.length() : sent;
  }

  private void closeStored() {
    if (storedClosed.compareAndSet(false, true)) {
      try {
        stored.close();
      } catch (IOException | RuntimeException e) {
        log.warn("could not close the stored result of execution {}", executionId, e);
      }
    }
  }

  private void completeQuietly() {
    try {
      async.complete();
    } catch (IllegalStateException e) {
      // Completed already, by us or by the server.
    }
  }

  // The asynchronous request's own end, whatever brought it: the last chance to let go.

  @Override
  public void onComplete(AsyncEvent event) {
    if (end(State.FAILED)) {
      log.debug("download of execution {} ended by the server after {} bytes", executionId, sent);
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    clientLeft(event.getThrowable());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    // The request has no time limit (see ResultDownloads).
    completeQuietly();
  }

  @Override
  public void onStartAsync(AsyncEvent event) {}

  /** A failure to read the stored object, told apart from a failure to write to the client. */
  private static final class StoreFailure extends Exception {

    StoreFailure(Throwable cause) {
      super(cause);
    }
  }

  /** The stored bytes as they are: exactly {@code length} of them. */
  static Body exactly(long length) {
    return new Body() {
      @Override
      public InputStream open(InputStream stored) {
        return stored;
      }

      @Override
      public long length() {
        return length;
      }
    };
  }
}
