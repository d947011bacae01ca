package io.agp.bookkeeper.expiry;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.bookkeeper.MaintenanceRepository.ExpiredResult;
import io.agp.results.ResultStore;
import io.agp.results.RowIndex;
import io.agp.schedule.PeriodicJob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires what has outlived its time: a SUCCEEDED execution past its result's expiry loses its
 * stored object and becomes EXPIRED; FAILED and CANCELED executions become EXPIRED after their
 * retention; EXPIRED rows are deleted after the history retention. The object goes first and the
 * row after, and both steps are idempotent, so a crash in between only repeats a delete.
 */
public final class ExecutionExpirer implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(ExecutionExpirer.class);

  private final MaintenanceRepository maintenance;
  private final ResultStore results;
  private final BookkeeperProperties.Expiry properties;
  private final Clock clock;
  private final Counter expired;
  private final Counter objectsDeleted;
  private final Counter rowsDeleted;

  public ExecutionExpirer(
      MaintenanceRepository maintenance,
      ResultStore results,
      BookkeeperProperties.Expiry properties,
      Clock clock,
      MeterRegistry meters) {
    this.maintenance = maintenance;
    this.results = results;
    this.properties = properties;
    this.clock = clock;
    this.expired = meters.counter("agp.bookkeeper.expired");
    this.objectsDeleted = meters.counter("agp.bookkeeper.objects.deleted");
    this.rowsDeleted = meters.counter("agp.bookkeeper.rows.deleted");
  }

  /** What one round did. */
  public record Report(int resultsExpired, int objectsDeleted, int endedExpired, int rowsDeleted) {}

  @Override
  public String name() {
    return "expiry";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    Instant deadline = clock.instant().plus(properties.timeLimit());
    int resultsExpired = 0;
    int deletedObjects = 0;
    while (clock.instant().isBefore(deadline)) {
      List<ExpiredResult> batch = maintenance.findExpiredResults(properties.batchSize());
      List<Long> cleared = new ArrayList<>();
      for (ExpiredResult result : batch) {
        if (result.inRow()) {
          // Nothing in the store: the row's bytes go with its status.
          cleared.add(result.executionId());
          continue;
        }
        try {
          // The index first: an index left alone would be an orphan, a result left alone is not.
          results.delete(RowIndex.keyFor(result.resultKey()));
          results.delete(result.resultKey());
          cleared.add(result.executionId());
          deletedObjects++;
        } catch (IOException | RuntimeException e) {
          // The row stays SUCCEEDED and the next round tries again.
          log.warn(
              "could not delete result {} of execution {}",
              result.resultKey(),
              result.executionId(),
              e);
        }
      }
      resultsExpired += maintenance.expireResults(cleared);
      if (batch.size() < properties.batchSize() || cleared.isEmpty()) {
        break;
      }
    }
    int endedExpired = 0;
    while (clock.instant().isBefore(deadline)) {
      int n = maintenance.expireEnded(properties.endedRetention(), properties.batchSize());
      endedExpired += n;
      if (n < properties.batchSize()) {
        break;
      }
    }
    int deletedRows = 0;
    while (!properties.historyRetention().isZero() && clock.instant().isBefore(deadline)) {
      int n = maintenance.deleteExpired(properties.historyRetention(), properties.batchSize());
      deletedRows += n;
      if (n < properties.batchSize()) {
        break;
      }
    }
    expired.increment(resultsExpired + endedExpired);
    objectsDeleted.increment(deletedObjects);
    rowsDeleted.increment(deletedRows);
    return new Report(resultsExpired, deletedObjects, endedExpired, deletedRows);
  }
}
