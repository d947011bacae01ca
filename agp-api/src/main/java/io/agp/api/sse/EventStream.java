package io.agp.api.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One {@code text/event-stream} answer of the API: an execution's live events, a synchronous run's
 * progress and result. Spring's {@link SseEmitter} carries it (the asynchronous request, its end,
 * the container's word that the client left); this class frames what goes in it, the same way for
 * every stream: {@code id: }, {@code event: } and one {@code data: } line per line of the data,
 * then a blank line; {@code : keep-alive} comments.
 *
 * <p>The frames are its own, not Spring's event builder's: that one writes {@code data:} without
 * the space, so that a line of data that starts with a space loses it to the client, and splits
 * only text, where a result is bytes as ClickHouse wrote them.
 *
 * <p>Any thread may write, one frame at a time. Once a write has failed (the client left) the
 * stream is completed and every later write fails at once.
 */
public final class EventStream {

  // Spring MVC's time limit for asynchronous requests would cut a stream mid-way: a stream ends
  // with what it follows, or when its client leaves.
  private static final long NO_TIME_LIMIT = 0L;

  // A media type only byte arrays' converter takes: the frames go out as they are.
  private static final MediaType FRAME = MediaType.APPLICATION_OCTET_STREAM;

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  private final SseEmitter emitter = new SseEmitter(NO_TIME_LIMIT);
  private boolean broken;
  private long lastWriteNanos = System.nanoTime();

  /**
   * The answer that opens the stream, with the head every event stream has (UTF-8 as the format
   * requires, not cached, not held back by proxies such as nginx) and {@code more}.
   */
  public ResponseEntity<SseEmitter> response(HttpHeaders more) {
    return ResponseEntity.ok()
        .contentType(new MediaType(MediaType.TEXT_EVENT_STREAM, StandardCharsets.UTF_8))
        .cacheControl(CacheControl.noCache())
        .header("X-Accel-Buffering", "no")
        .headers(more)
        .body(emitter);
  }

  /** The same, without more headers. */
  public ResponseEntity<SseEmitter> response() {
    return response(HttpHeaders.EMPTY);
  }

  /**
   * Sends one event.
   *
   * @param id the event's id, or null for none
   * @param data the event's data: each line of it one {@code data:} line, so that a client joins
   *     them back into the same text; a last line break ends the data, as it would a file
   * @throws IOException when the client has gone
   */
  public synchronized void send(String name, String id, byte[] data) throws IOException {
    write(frame(name, id, data));
  }

  /**
   * Sends a {@code keep-alive} comment, unless something went out within {@code quiet} (with zero,
   * whatever went out), so that proxies keep a quiet stream open and a client that left is found.
   *
   * @throws IOException when the client has gone
   */
  public synchronized void keepAlive(Duration quiet) throws IOException {
    if (System.nanoTime() - lastWriteNanos >= quiet.toNanos()) {
      write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  /**
   * Sends the head now, before any event: as soon as Spring has taken the stream, if it has not
   * yet.
   *
   * @throws IOException when the client has gone
   */
  public synchronized void flush() throws IOException {
    write(new byte[0]);
  }

  /** Ends the stream: what was sent goes out, then the response ends. */
  public void complete() {
    emitter.complete();
  }

  /**
   * Runs {@code action} once when the stream has ended, whether completed or cut by the container
   * (the client left, the server stops): the request's objects are reused afterwards.
   */
  public void onEnd(Runnable action) {
    AtomicBoolean ran = new AtomicBoolean();
    Runnable once =
        () -> {
          if (ran.compareAndSet(false, true)) {
            action.run();
          }
        };
    emitter.onCompletion(once);
    emitter.onTimeout(once);
    emitter.onError(e -> once.run());
  }

  private void write(byte[] frame) throws IOException {
    if (broken) {
      throw new IOException("the event stream's client has gone");
    }
    try {
      emitter.send(Set.of(new DataWithMediaType(frame, FRAME)));
      lastWriteNanos = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      // A write that failed, or an emitter that the container has already ended.
      broken = true;
      emitter.complete();
      throw e instanceof IOException io ? io : new IOException("the event stream has ended", e);
    }
  }

  /** One event as the stream carries it. */
  static byte[] frame(String name, String id, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + data.length / 16 + 64);
    if (id != null) {
      out.writeBytes(field("id", id));
    }
    out.writeBytes(field("event", name));
    int length = data.length;
    // A last line break belongs to the data's end, not to an empty last line.
    if (length > 0 && data[length - 1] == '\n') {
      length--;
    }
    if (length > 0 && data[length - 1] == '\r') {
      length--;
    }
    int start = 0;
    for (int i = 0; i <= length; i++) {
      // A client takes CR LF, LF and a lone CR each as a line's end.
      if (i == length || data[i] == '\n' || data[i] == '\r') {
        out.writeBytes(DATA);
        out.write(data, start, i - start);
        out.write('\n');
        if (i < length && data[i] == '\r' && i + 1 < length && data[i + 1] == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static byte[] field(String field, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("an event's " + field + " is one line: " + value);
    }
    return (field + ": " + value + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
