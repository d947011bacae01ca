package io.agp.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An execution's live events ({@code text/event-stream}), read line by line as they come. A thread
 * of its own reads, so that a connection gone silent (no event and no keep-alive comment) is
 * noticed by the time it takes instead of blocking for ever.
 */
final class EventStream implements AutoCloseable {

  /** One event: its {@code id}, its {@code event} name and its {@code data}. */
  record Event(@Nullable String id, String type, String data) {}

  /** The API answered, but not with an event stream: the caller should wait by other means. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message);
    }
  }

  private sealed interface Item {}

  private record Next(Event event) implements Item {}

  private record Alive() implements Item {}

  private record End() implements Item {}

  private record Broken(IOException cause) implements Item {}

  private final InputStream body;
  private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
  private boolean ended;

  private EventStream(InputStream body) {
    this.body = body;
    Thread reader = new Thread(this::read, "agp-events");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens the stream of an execution, after the event {@code lastEventId} when there is one.
   *
   * @throws Unavailable when the API answers 429 (too many waiting requests), a 5xx, or anything
   *     else than an event stream (a proxy that does not pass it through)
   * @throws CliException when the API refuses (401, 403, 404)
   */
  static EventStream open(Api api, long id, @Nullable String lastEventId)
      throws IOException, Unavailable {
    var request =
        api.request("/v1/async/executions/" + id + "/events")
            .header("Accept", "text/event-stream")
            .timeout(Api.READ_TIMEOUT)
            .GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> response;
    try {
      response = api.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int status = response.statusCode();
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (status == 200 && type.startsWith("text/event-stream")) {
      return new EventStream(response.body());
    }
    String body;
    try (InputStream in = response.body()) {
      body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    }
    if (status == 429 || status >= 500 || status < 400) {
      throw new Unavailable("live events answered " + status);
    }
    throw api.problem(status, response.headers(), body);
  }

  /**
   * The next event, or null at the end of the stream.
   *
   * @throws IOException when the connection broke, or stayed silent for {@code silence}
   */
  @Nullable Event next(Duration silence) throws IOException {
    if (ended) {
      return null;
    }
    while (true) {
      Item item;
      try {
        item = items.poll(silence.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      switch (item) {
        case null -> throw new IOException("no event for " + silence.toSeconds() + " s");
        case Next next -> {
          return next.event();
        }
        case Alive alive -> {
          // A keep-alive comment: the connection lives; wait again.
        }
        case End end -> {
          ended = true;
          return null;
        }
        case Broken broken -> throw broken.cause();
      }
    }
  }

  private void read() {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String type = "message";
      StringBuilder data = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            items.add(new Next(new Event(id, type, data.toString())));
          }
          type = "message";
          data = null;
        } else if (line.startsWith(":")) {
          items.add(new Alive());
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1);
          if (value.startsWith(" ")) {
            value = value.substring(1);
          }
          switch (field) {
            case "id" -> id = value;
            case "event" -> type = value;
            case "data" ->
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {
              // retry and unknown fields: nothing to do for a client that follows one execution.
            }
          }
        }
      }
      items.add(new End());
    } catch (IOException e) {
      items.add(new Broken(e));
    }
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // Closing a stream that broke: nothing more to learn from it.
    }
  }
}
