package io.agp.cli;

import io.agp.client.ApiException;
import io.agp.client.model.Execution;
import io.agp.client.model.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Follows an execution to its end and tells each state it passes through: from its live events,
 * reconnecting after the last event seen; from gets that wait for a change when the events cannot
 * be had (a proxy that buffers them, an API with too many streams open, a stream that keeps
 * breaking).
 */
final class Follower {

  /** Three keep-alives (15 s apart) missed: the connection is gone. */
  private static final Duration SILENCE = Duration.ofSeconds(50);

  private static final int WAIT_SECONDS = 30;
  private static final int MAX_STREAM_FAILURES = 3;
  private static final int MAX_WAIT_FAILURES = 6;

  private final Api api;

  Follower(Api api) {
    this.api = api;
  }

  static boolean ended(Execution execution) {
    Status status = execution.getStatus();
    return status != Status.PENDING && status != Status.RUNNING;
  }

  /**
   * Follows the execution on {@code display}, keeping its latest state in {@code latest} for a
   * Ctrl-C handler; returns it in its final state. Before it returns or fails, a Ctrl-C being
   * handled has its say, and a failure ends the display's line.
   */
  Execution followOn(Execution known, Display display, AtomicReference<Execution> latest) {
    Execution end;
    try {
      end =
          follow(
              known,
              state -> {
                latest.set(state);
                display.show(state);
              });
    } catch (RuntimeException e) {
      Signals.yieldToInterrupt();
      display.end((String) null);
      throw e;
    }
    Signals.yieldToInterrupt();
    return end;
  }

  /** Returns the execution in its final state, having told {@code states} each one on the way. */
  Execution follow(Execution known, Consumer<Execution> states) {
    states.accept(known);
    Execution current = known;
    String lastEventId = null;
    int failures = 0;
    boolean events = true;
    while (!ended(current)) {
      if (!events) {
        current = waitForChange(current);
        states.accept(current);
        continue;
      }
      try (EventStream stream = EventStream.open(api, current.getId(), lastEventId)) {
        boolean any = false;
        EventStream.Event event;
        while ((event = stream.next(SILENCE)) != null) {
          any = true;
          failures = 0;
          current = api.json().readValue(event.data(), Execution.class);
          if (event.id() != null) {
            lastEventId = event.id();
          }
          states.accept(current);
          if (ended(current)) {
            return current;
          }
        }
        // The stream ended before the execution did (a proxy's timeout): connect again, unless
        // it keeps ending with nothing in it.
        if (!any && ++failures > MAX_STREAM_FAILURES) {
          events = false;
        }
      } catch (EventStream.Unavailable e) {
        events = false;
      } catch (IOException e) {
        if (++failures > MAX_STREAM_FAILURES) {
          events = false;
        } else {
          pause(backoff(failures));
        }
      }
    }
    return current;
  }

  /** A get that waits for the next change; transient failures are tried again. */
  private Execution waitForChange(Execution current) {
    int failures = 0;
    @Nullable Integer wait = WAIT_SECONDS;
    while (true) {
      try {
        return api.executions().getExecution(current.getId(), wait, null);
      } catch (ApiException e) {
        CliException failure = api.failure(e);
        boolean tooMany = e.getCode() == 429;
        boolean transientFailure =
            tooMany || failure.exitCode() == ExitCode.UNREACHABLE && e.getCode() != 501;
        if (!transientFailure || ++failures > MAX_WAIT_FAILURES) {
          throw failure;
        }
        if (tooMany) {
          // Too many waiting requests on that API instance: ask without waiting, now and then.
          wait = null;
          pause(Duration.ofSeconds(retryAfter(e)));
        } else {
          pause(backoff(failures));
        }
      }
    }
  }

  private static long retryAfter(ApiException e) {
    try {
      String value =
          e.getResponseHeaders() == null
              ? null
              : e.getResponseHeaders().firstValue("Retry-After").orElse(null);
      return value == null ? 2 : Math.clamp(Long.parseLong(value.strip()), 1, 30);
    } catch (NumberFormatException bad) {
      return 2;
    }
  }

  static Duration backoff(int failures) {
    return Duration.ofMillis(Math.min(8_000, 500L << Math.min(failures - 1, 4)));
  }

  static void pause(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.INTERRUPTED, "interrupted");
    }
  }
}
