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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a caller waiting for an execution wants to know besides its row: a PENDING execution's place
 * in its tier's queue, and for a RUNNING one how long its query usually runs. One statement each,
 * for a get or an event of a single execution (lists leave both out).
 *
 * <p>The typical duration of a running execution barely changes while it runs, and an event stream
 * asks for it at each progress sample: it is kept for {@link #TYPICAL_KEPT}, per execution.
 */
@Component
class ExecutionOutlook {

  private static final Logger log = LoggerFactory.getLogger(ExecutionOutlook.class);

  /** The runs the median is taken over, newest first. */
  static final int TYPICAL_RUNS = 20;

  /** The fewest successful runs that make a median worth showing. */
  static final int TYPICAL_AT_LEAST = 3;

  static final Duration TYPICAL_KEPT = Duration.ofSeconds(30);

  /** Beyond this many executions kept, the memo starts over rather than grow. */
  private static final int MAX_KEPT = 10_000;

  /** A typical duration as read at a time; empty when there were too few runs. */
  private record Kept(Optional<TypicalDuration> typical, Instant readAt) {}

  private final ExecutionQueries queries;
  private final Clock clock;
  private final Map<Long, Kept> kept = new ConcurrentHashMap<>();

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
      OptionalLong position = queries.queuePosition(execution.id());
      return position.isPresent() ? new Outlook(position.getAsLong(), null) : Outlook.NONE;
    }
    if (execution.status() == ExecutionStatus.RUNNING && execution.pickedAt() != null) {
      Instant now = clock.instant();
      return typical(execution.id(), now)
          .map(
              typical -> {
                long ran = Math.max(0, Duration.between(execution.pickedAt(), now).toMillis());
                long remaining = Math.max(0, typical.medianMillis() - ran);
                return new Outlook(
                    null, new Estimate(typical.medianMillis(), typical.runs(), remaining));
              })
          .orElse(Outlook.NONE);
    }
    kept.remove(execution.id());
    return Outlook.NONE;
  }

  private Optional<TypicalDuration> typical(long id, Instant now) {
    Kept memo = kept.get(id);
    if (memo != null && memo.readAt().plus(TYPICAL_KEPT).isAfter(now)) {
      return memo.typical();
    }
    Optional<TypicalDuration> typical = queries.typicalDuration(id, TYPICAL_RUNS, TYPICAL_AT_LEAST);
    if (kept.size() >= MAX_KEPT) {
      kept.clear();
    }
    kept.put(id, new Kept(typical, now));
    return typical;
  }
}
