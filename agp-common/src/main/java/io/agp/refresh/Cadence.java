package io.agp.refresh;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import org.springframework.scheduling.support.CronExpression;

/**
 * When a schedule runs: every so many seconds, or at the instants of a cron expression (Spring's
 * six fields: second, minute, hour, day of month, month, day of week; read in UTC).
 *
 * <p>Runs missed while no bookkeeper ran are not made up: the run due longest ago stands for all of
 * them, and the next is the first instant of the cadence after now.
 */
public sealed interface Cadence {

  /** The first run of a new (or resumed) schedule at or after {@code now}. */
  Instant first(Instant now);

  /** The run after the one due at {@code due}, taken at {@code now}: the first one after now. */
  Instant next(Instant due, Instant now);

  /** Every so many seconds; a new schedule runs at once. */
  record Every(Duration interval) implements Cadence {

    public Every {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("the interval must be positive");
      }
    }

    @Override
    public Instant first(Instant now) {
      return now;
    }

    @Override
    public Instant next(Instant due, Instant now) {
      if (now.isBefore(due)) {
        return due.plus(interval);
      }
      // Keeps the phase: the first instant due + k × interval after now.
      long missed = Duration.between(due, now).toMillis() / interval.toMillis();
      return due.plus(interval.multipliedBy(missed + 1));
    }
  }

  /** The instants of a cron expression, in UTC; a new schedule waits for the first of them. */
  record Cron(String expression, CronExpression cron) implements Cadence {

    /**
     * @throws IllegalArgumentException when the expression cannot be read
     */
    public static Cron parse(String expression) {
      String text = expression.strip();
      return new Cron(text, CronExpression.parse(text));
    }

    @Override
    public Instant first(Instant now) {
      return after(now);
    }

    @Override
    public Instant next(Instant due, Instant now) {
      return after(now.isAfter(due) ? now : due);
    }

    /**
     * The shortest gap between two of the next {@code count} instants from {@code now}: what a
     * minimum interval is checked against. {@link Duration#ZERO} when fewer follow (an expression
     * of a date that never comes).
     */
    public Duration shortestGap(Instant now, int count) {
      Instant previous = after(now);
      if (previous == null) {
        return Duration.ZERO;
      }
      Duration shortest = null;
      for (int i = 0; i < count; i++) {
        Instant next = after(previous);
        if (next == null) {
          break;
        }
        Duration gap = Duration.between(previous, next);
        shortest = shortest == null || gap.compareTo(shortest) < 0 ? gap : shortest;
        previous = next;
      }
      return shortest == null ? Duration.ZERO : shortest;
    }

    /** The first instant strictly after {@code instant}, or null when there is none. */
    private Instant after(Instant instant) {
      ZonedDateTime next = cron.next(instant.atZone(ZoneOffset.UTC));
      return next == null ? null : next.toInstant();
    }
  }

  /** The cadence of a schedule row: its interval, else its cron expression. */
  static Cadence of(Long everySeconds, String cron) {
    if (everySeconds != null) {
      return new Every(Duration.ofSeconds(everySeconds));
    }
    return Cron.parse(cron);
  }
}
