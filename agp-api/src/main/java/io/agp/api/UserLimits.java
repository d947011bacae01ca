package io.agp.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * What each user holds open in this API instance (event streams, waiting requests, downloads), each
 * kind bounded per user ({@code agp.api.per-user.*}) besides the instance's own bounds, so that one
 * user cannot take what the others need. A request over its user's bound is refused with 429 and
 * counted ({@code agp.api.user.limit.refused}, by kind: never by user, whose number has no bound).
 */
@Component
public class UserLimits {

  /** What a user may hold open. */
  public enum Kind {
    EVENT_STREAMS("open event streams", 5),
    WAITS("waiting requests", 1),
    DOWNLOADS("downloads in progress", 5);

    private final String description;
    private final int retryAfterSeconds;

    Kind(String description, int retryAfterSeconds) {
      this.description = description;
      this.retryAfterSeconds = retryAfterSeconds;
    }

    String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** One thing a user holds open; closing it lets go of it (once, however often it is closed). */
  public interface Lease extends AutoCloseable {
    @Override
    void close();
  }

  private final ApiProperties.PerUser limits;
  private final MeterRegistry meters;
  private final Map<Kind, Map<String, AtomicInteger>> open = new ConcurrentHashMap<>();

  public UserLimits(ApiProperties properties, MeterRegistry meters) {
    this.limits = properties.perUser();
    this.meters = meters;
    for (Kind kind : Kind.values()) {
      open.put(kind, new ConcurrentHashMap<>());
    }
  }

  /**
   * Takes one of the user's {@code kind}.
   *
   * @throws TooManyOpenException when the user already holds their bound
   */
  public Lease open(Kind kind, String user) {
    int limit = limit(kind);
    if (limit == 0) {
      return () -> {};
    }
    Map<String, AtomicInteger> byUser = open.get(kind);
    boolean[] taken = {false};
    byUser.compute(
        user,
        (name, count) -> {
          AtomicInteger held = count == null ? new AtomicInteger() : count;
          if (held.get() < limit) {
            held.incrementAndGet();
            taken[0] = true;
          }
          return held.get() == 0 ? null : held;
        });
    if (!taken[0]) {
      Counter.builder("agp.api.user.limit.refused")
          .description("Requests refused because their user held as many of a kind as they may")
          .tag("kind", kind.tag())
          .register(meters)
          .increment();
      throw new TooManyOpenException(kind.description, limit, kind.retryAfterSeconds);
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        byUser.computeIfPresent(user, (name, count) -> count.decrementAndGet() == 0 ? null : count);
      }
    };
  }

  /** What the user holds of {@code kind} now. */
  public int held(Kind kind, String user) {
    AtomicInteger count = open.get(kind).get(user);
    return count == null ? 0 : count.get();
  }

  private int limit(Kind kind) {
    return switch (kind) {
      case EVENT_STREAMS -> limits.eventStreams();
      case WAITS -> limits.waits();
      case DOWNLOADS -> limits.downloads();
    };
  }

  /** The user already holds as many of a kind as they may: 429. */
  public static class TooManyOpenException extends ApiProblem {

    private final int retryAfterSeconds;

    TooManyOpenException(String what, int limit, int retryAfterSeconds) {
      super(
          HttpStatus.TOO_MANY_REQUESTS,
          "you already hold "
              + limit
              + " "
              + what
              + " on this API instance, as many as one user may; close one and try again");
      this.retryAfterSeconds = retryAfterSeconds;
      header(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
