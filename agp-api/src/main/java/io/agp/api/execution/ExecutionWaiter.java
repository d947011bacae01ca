package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BiPredicate;
import org.springframework.stereotype.Component;

/**
 * The {@code wait} long-poll of create and get. Requests run on virtual threads, so a waiting
 * request costs no platform thread; it looks at the row every poll interval and holds a database
 * connection only for that one short read.
 */
@Component
class ExecutionWaiter {

  private final ExecutionRepository executions;
  private final ApiProperties properties;
  private final Clock clock;

  ExecutionWaiter(ExecutionRepository executions, ApiProperties properties, Clock clock) {
    this.executions = executions;
    this.properties = properties;
    this.clock = clock;
  }

  /** Checks a {@code wait} parameter: null or 0 to 60 s (or the configured maximum). */
  Duration check(Integer seconds) {
    if (seconds == null) {
      return Duration.ZERO;
    }
    if (seconds < 0 || seconds > properties.maxWait().toSeconds()) {
      throw new InvalidRequestException(
          "wait", "wait must be between 0 and " + properties.maxWait().toSeconds() + " seconds");
    }
    return Duration.ofSeconds(seconds);
  }

  /** Waits until the execution has ended, or the time is up; returns its state then. */
  Execution untilEnded(Execution start, Duration wait) {
    return until(start, wait, (first, now) -> now.status().isTerminal());
  }

  /** Waits until the execution's status or progress changes, or the time is up. */
  Execution untilChanged(Execution start, Duration wait) {
    return until(
        start,
        wait,
        (first, now) ->
            first.status() != now.status() || !Objects.equals(first.progress(), now.progress()));
  }

  private Execution until(Execution start, Duration wait, BiPredicate<Execution, Execution> done) {
    if (wait.isZero() || done.test(start, start)) {
      return start;
    }
    Instant deadline = clock.instant().plus(wait);
    Execution current = start;
    while (clock.instant().isBefore(deadline)) {
      try {
        Thread.sleep(
            min(properties.waitPollInterval(), Duration.between(clock.instant(), deadline)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return current;
      }
      current = executions.get(start.id()).orElse(current);
      if (done.test(start, current)) {
        return current;
      }
    }
    return current;
  }

  private static Duration min(Duration a, Duration b) {
    return b.isNegative() ? Duration.ZERO : a.compareTo(b) <= 0 ? a : b;
  }
}
