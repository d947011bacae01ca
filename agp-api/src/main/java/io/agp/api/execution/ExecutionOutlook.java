package io.agp.api.execution;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.TypicalDuration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a caller waiting for an execution wants to know besides its row: a PENDING execution's place
 * in its tier's queue, and for a RUNNING one how long its query usually runs. One statement each,
 * for a get or an event of a single execution (lists leave both out).
 *
 * <p>Both are kept a while per execution: the typical duration of a running execution barely
 * changes while it runs, and an event stream asks for it at each progress sample, so for {@link
 * #TYPICAL_KEPT}; a queue position for {@link #POSITION_KEPT}, since the statement costs about a
 * millisecond of the database and the clients that poll a PENDING execution (dashboards, scripts,
 * each open console) would otherwise pay it at each get: a position is at most that old.
 */
@Component
class ExecutionOutlook {

  private static final Logger log = LoggerFactory.getLogger(ExecutionOutlook.class);

  /** The runs the median is taken over, newest first. */
  static final int TYPICAL_RUNS = 20;

  /** The fewest successful runs that make a median worth showing. */
  static final int TYPICAL_AT_LEAST = 3;

  static final Duration TYPICAL_KEPT = Duration.ofSeconds(30);

  static final Duration POSITION_KEPT = Duration.ofSeconds(1);

  /** Beyond this many executions kept, a memo starts over rather than grow. */
  private static final int MAX_KEPT = 10_000;

  /** Values read per execution, each answered again until it is older than {@code kept}. */
  private static final class Memo<T> {

    private record Read<T>(T value, Instant readAt) {}

    private final Duration kept;
    private final Map<Long, Read<T>> reads = new ConcurrentHashMap<>();

    private Memo(Duration kept) {
      this.kept = kept;
    }

    T get(long id, Instant now, LongFunction<T> read) {
      Read<T> memo = reads.get(id);
      if (memo != null && memo.readAt().plus(kept).isAfter(now)) {
        return memo.value();
      }
      T value = read.apply(id);
      if (reads.size() >= MAX_KEPT) {
        reads.clear();
      }
      reads.put(id, new Read<>(value, now));
      return value;
    }

    void forget(long id) {
      reads.remove(id);
    }
  }

  private final ExecutionQueries queries;
  private final Clock clock;
  // Empty when there were too few runs.
  private final Memo<Optional<TypicalDuration>> typicals = new Memo<>(TYPICAL_KEPT);
  // Empty when the execution was no longer PENDING.
  private final Memo<OptionalLong> positions = new Memo<>(POSITION_KEPT);

  ExecutionOutlook(ExecutionQueries queries, Clock clock) {
    this.queries = queries;
    this.clock = clock;
  }

  /**
   * @param queuePosition a PENDING execution's place in its tier's queue, 1 for the next to run
   * @param estimate a RUNNING execution's estimate, when its query has run often enough
   */
  record Outlook(Long queuePosition, Estimate estimate) {

    static final Outlook NONE = new Outlook(null, null);

    /** The same, with the estimate's remaining time left out (0): what the clock alone moves. */
    Outlook withoutRemaining() {
      return estimate == null
          ? this
          : new Outlook(
              queuePosition, new Estimate(estimate.typicalDurationMs(), estimate.runs(), 0));
    }
  }

  /**
   * @param typicalDurationMs the median duration of the latest successful runs of the query
   * @param runs how many runs the median was taken over
   * @param remainingMs the median less the time the execution has run so far, never below 0
   */
  record Estimate(long typicalDurationMs, int runs, long remainingMs) {}

  /**
   * The outlook of the execution as it is now; none when the database cannot tell (the answer is
   * worth more than what it would add).
   */
  Outlook of(Execution execution) {
    try {
      return read(execution);
    } catch (RuntimeException e) {
      log.warn("no queue position or estimate for execution {}: {}", execution.id(), e.toString());
      return Outlook.NONE;
    }
  }

  private Outlook read(Execution execution) {
    if (execution.status() == ExecutionStatus.PENDING) {
      OptionalLong position =
          positions.get(execution.id(), clock.instant(), queries::queuePosition);
      return position.isPresent() ? new Outlook(position.getAsLong(), null) : Outlook.NONE;
    }
    positions.forget(execution.id());
    if (execution.status() == ExecutionStatus.RUNNING && execution.pickedAt() != null) {
      Instant now = clock.instant();
      return typicals
          .get(
              execution.id(),
              now,
              id -> queries.typicalDuration(id, TYPICAL_RUNS, TYPICAL_AT_LEAST))
          .map(
              typical -> {
                long ran = Math.max(0, Duration.between(execution.pickedAt(), now).toMillis());
                long remaining = Math.max(0, typical.medianMillis() - ran);
                return new Outlook(
                    null, new Estimate(typical.medianMillis(), typical.runs(), remaining));
              })
          .orElse(Outlook.NONE);
    }
    typicals.forget(execution.id());
    return Outlook.NONE;
  }
}
