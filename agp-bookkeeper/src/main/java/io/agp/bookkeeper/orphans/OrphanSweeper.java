package io.agp.bookkeeper.orphans;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.execution.AttemptId;
import io.agp.execution.StoredResult;
import io.agp.results.ResultStore;
import io.agp.results.RowIndex;
import io.agp.results.StoredObject;
import io.agp.results.UnfinishedUpload;
import io.agp.schedule.PeriodicJob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes stored results that no SUCCEEDED execution points to: leftovers of attempts that lost
 * their execution after storing, or of a crash between storing and recording. Objects younger than
 * the safety margin are left alone, since their worker may be about to record them.
 *
 * <p>It also aborts the unfinished uploads that no worker will finish: those of an attempt that no
 * longer runs (its worker died in the middle of storing, leaving a partial file or an S3 multipart
 * upload with its parts), last active before the safety margin. An upload of an attempt that still
 * runs is left alone however old: its query may take hours.
 */
public final class OrphanSweeper implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(OrphanSweeper.class);
  private static final int BATCH = 500;

  private final MaintenanceRepository maintenance;
  private final ResultStore results;
  private final BookkeeperProperties.Orphans properties;
  private final Clock clock;
  private final Counter deletedCounter;
  private final Counter abortedCounter;

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
    this.abortedCounter = meters.counter("agp.bookkeeper.uploads.aborted");
  }

  /**
   * What one round did.
   *
   * @param scanned committed objects looked at
   * @param deleted orphans deleted
   * @param abortedUploads unfinished uploads of attempts that no longer run, aborted
   */
  public record Report(int scanned, int deleted, int abortedUploads) {}

  @Override
  public String name() {
    return "orphans";
  }

  @Override
  public Duration interval() {
    return properties.interval();
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
    int aborted = abortStaleUploads(bornBefore);
    abortedCounter.increment(aborted);
    return new Report(scanned, deleted, aborted);
  }

  private int abortStaleUploads(Instant activeBefore) {
    List<UnfinishedUpload> stale;
    try (Stream<UnfinishedUpload> unfinished = results.listUnfinished(StoredResult.KEY_PREFIX)) {
      stale = unfinished.filter(u -> u.lastActive().isBefore(activeBefore)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the unfinished uploads", e);
    }
    Map<UnfinishedUpload, Optional<AttemptId>> attempts = new LinkedHashMap<>();
    stale.forEach(upload -> attempts.put(upload, StoredResult.attemptOf(upload.key())));
    Set<AttemptId> running =
        maintenance.findRunningAttempts(
            attempts.values().stream().flatMap(Optional::stream).toList());
    int aborted = 0;
    for (UnfinishedUpload upload : stale) {
      if (attempts.get(upload).filter(running::contains).isPresent()) {
        continue;
      }
      try {
        results.abortUnfinished(upload);
        aborted++;
        log.info("aborted the unfinished upload of {} ({})", upload.key(), upload.handle());
      } catch (IOException | RuntimeException e) {
        log.warn("could not abort the unfinished upload of {}", upload.key(), e);
      }
    }
    return aborted;
  }

  private int deleteOrphans(List<String> keys) {
    // A row index lives as long as its result.
    Set<String> live =
        maintenance.findLiveResultKeys(
            keys.stream().map(OrphanSweeper::resultKeyOf).distinct().toList());
    int deleted = 0;
    for (String key : keys) {
      if (live.contains(resultKeyOf(key))) {
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

  private static String resultKeyOf(String key) {
    String indexed = RowIndex.resultKeyOf(key);
    return indexed == null ? key : indexed;
  }
}
