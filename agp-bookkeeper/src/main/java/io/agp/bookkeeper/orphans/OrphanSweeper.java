package io.agp.bookkeeper.orphans;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.Duty;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.execution.StoredResult;
import io.agp.results.ResultStore;
import io.agp.results.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes stored results that no SUCCEEDED execution points to: leftovers of attempts that lost
 * their execution after storing, or of a crash between storing and recording. Objects younger than
 * the safety margin are left alone, since their worker may be about to record them.
 */
public final class OrphanSweeper implements Duty {

  private static final Logger log = LoggerFactory.getLogger(OrphanSweeper.class);
  private static final int BATCH = 500;

  private final MaintenanceRepository maintenance;
  private final ResultStore results;
  private final BookkeeperProperties.Orphans properties;
  private final Clock clock;
  private final Counter deletedCounter;

  public OrphanSweeper(
      MaintenanceRepository maintenance,
      ResultStore results,
      BookkeeperProperties.Orphans properties,
      Clock clock,
      MeterRegistry meters) {
    this.maintenance = maintenance;
    this.results = results;
    this.properties = properties;
    this.clock = clock;
    this.deletedCounter = meters.counter("agp.bookkeeper.orphans.deleted");
  }

  /** What one round did. */
  public record Report(int scanned, int deleted) {}

  @Override
  public String name() {
    return "orphan-sweeper";
  }

  @Override
  public Report runOnce() {
    Instant bornBefore = clock.instant().minus(properties.safetyMargin());
    int scanned = 0;
    int deleted = 0;
    try (Stream<StoredObject> objects = results.list(StoredResult.KEY_PREFIX)) {
      Iterator<StoredObject> iterator = objects.iterator();
      List<String> batch = new ArrayList<>();
      while (iterator.hasNext()) {
        StoredObject object = iterator.next();
        scanned++;
        if (object.lastModified().isBefore(bornBefore)) {
          batch.add(object.key());
        }
        if (batch.size() == BATCH || !iterator.hasNext()) {
          deleted += deleteOrphans(batch);
          batch.clear();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + StoredResult.KEY_PREFIX, e);
    }
    deletedCounter.increment(deleted);
    return new Report(scanned, deleted);
  }

  private int deleteOrphans(List<String> keys) {
    Set<String> live = maintenance.findLiveResultKeys(keys);
    int deleted = 0;
    for (String key : keys) {
      if (live.contains(key)) {
        continue;
      }
      try {
        results.delete(key);
        deleted++;
        log.info("deleted orphan result {}", key);
      } catch (IOException | RuntimeException e) {
        log.warn("could not delete orphan result {}", key, e);
      }
    }
    return deleted;
  }
}
