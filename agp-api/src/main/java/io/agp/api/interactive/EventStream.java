package io.agp.api.interactive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} written by hand onto a response: the request's thread and the
 * progress feed both write to it, one event at a time. Once a write has failed (the client left)
 * every later one fails at once; once progress is over, the feed's events are dropped, so that
 * nothing follows the final event.
 */
final class EventStream {

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;
  private boolean broken;
  private boolean progressOver;
  private long lastWriteNanos = System.nanoTime();

  EventStream(OutputStream out) {
    this.out = out;
  }

  /**
   * Writes one event: its name and its data, one {@code data:} line per line of the data, so that a
   * client joins them back into the same text.
   */
  synchronized void send(String name, byte[] data) throws IOException {
    check();
    try {
      out.write(("event: " + name + "\n").getBytes(StandardCharsets.US_ASCII));
      int start = 0;
      int length = data.length;
      // A last line break belongs to the data's end, not to an empty last line.
      if (length > 0 && data[length - 1] == '\n') {
        length--;
      }
      for (int i = 0; i <= length; i++) {
        if (i == length || data[i] == '\n') {
          int end = i > start && data[i - 1] == '\r' ? i - 1 : i;
          out.write(DATA);
          out.write(data, start, end - start);
          out.write('\n');
          start = i + 1;
        }
      }
      out.write('\n');
      out.flush();
      lastWriteNanos = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  /** A progress event, unless progress is over. */
  synchronized void progress(byte[] data) throws IOException {
    if (!progressOver) {
      send("progress", data);
    }
  }

  /** A comment, sent when nothing else was for a while, to find a client that left. */
  synchronized void keepAlive(long quietNanos) throws IOException {
    if (progressOver || System.nanoTime() - lastWriteNanos < quietNanos) {
      return;
    }
    check();
    try {
      out.write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      lastWriteNanos = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  /** No progress event or comment from now on; one under way is finished first. */
  synchronized void endProgress() {
    progressOver = true;
  }

  /** Sends the head and what is buffered. */
  synchronized void flush() throws IOException {
    check();
    try {
      out.flush();
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  private void check() throws IOException {
    if (broken) {
      throw new IOException("the event stream's client has gone");
    }
  }
}
