package io.agp.api.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A client of a text/event-stream, as a browser's EventSource reads it, for the tests. */
public final class EventStream implements AutoCloseable {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One event, or a comment line (name {@code ":"}), or the end of the stream (name null). */
  public record Event(String id, String name, String data) {

    public JsonNode json() {
      return JSON.readTree(data);
    }

    public boolean isEnd() {
      return name == null;
    }
  }

  private final HttpResponse<Stream<String>> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  private EventStream(HttpResponse<Stream<String>> response) {
    this.response = response;
    this.reader = Thread.ofVirtual().start(this::read);
  }

  public static EventStream open(URI url, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url).header("Accept", "text/event-stream").GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return open(request);
  }

  /** Sends any request and reads its answer as an event stream. */
  public static EventStream open(HttpRequest.Builder request) {
    try {
      return new EventStream(
          HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofLines()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int status() {
    return response.statusCode();
  }

  public String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** A header of the answer, or null. */
  public String header(String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  private void read() {
    String id = null;
    String name = null;
    List<String> data = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            events.add(new Event(id, name == null ? "message" : name, String.join("\n", data)));
          }
          id = null;
          name = null;
          data.clear();
        } else if (line.startsWith(":")) {
          events.add(new Event(null, ":", line.substring(1).strip()));
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1);
          value = value.startsWith(" ") ? value.substring(1) : value;
          switch (field) {
            case "id" -> id = value;
            case "event" -> name = value;
            case "data" -> data.add(value);
            default -> {}
          }
        }
      }
    } catch (UncheckedIOException e) {
      // closed by the test
    } finally {
      events.add(new Event(null, null, null));
    }
  }

  /** The next event that is not a comment, or fails after {@code timeout}. */
  public Event next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new AssertionError("no event within " + timeout);
      }
      if (!":".equals(event.name())) {
        return event;
      }
    }
  }

  /** The next event that is not a comment, or null when none came within {@code timeout}. */
  public Event nextOrNone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (event == null || !":".equals(event.name())) {
        return event;
      }
    }
  }

  /** The next line of any kind, comments included, or null after {@code timeout}. */
  public Event nextOfAnyKind(Duration timeout) throws InterruptedException {
    return events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    response.body().close();
    reader.interrupt();
  }
}
