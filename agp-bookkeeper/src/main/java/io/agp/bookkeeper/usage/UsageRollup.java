package io.agp.bookkeeper.usage;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.schedule.PeriodicJob;
import io.agp.usage.UsageRollups;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;

/**
 * Folds the usage events into the hourly and daily rollups (each batch in one statement, so a
 * bookkeeper killed in the middle counts nothing twice), then deletes rollup rows past their
 * retention. Counts what it folds per tier, never per user: per-user figures come from the API.
 */
public final class UsageRollup implements PeriodicJob {

  /** A round stops after this many full batches; the next round goes on. */
  static final int MAX_BATCHES_PER_ROUND = 100;

  private final UsageRollups rollups;
  private final BookkeeperProperties.Usage properties;
  private final MeterRegistry meters;

  public UsageRollup(
      UsageRollups rollups, BookkeeperProperties.Usage properties, MeterRegistry meters) {
    this.rollups = rollups;
    this.properties = properties;
    this.meters = meters;
  }

  /** What one round did. */
  public record Report(long events, long deletedHours, long deletedDays) {}

  @Override
  public String name() {
    return "usage";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    long events = 0;
    for (int i = 0; i < MAX_BATCHES_PER_ROUND; i++) {
      List<UsageRollups.Folded> folded = rollups.rollUp(properties.batchSize());
      long n = 0;
      for (UsageRollups.Folded tier : folded) {
        count(tier);
        n += tier.events();
      }
      events += n;
      if (n < properties.batchSize()) {
        break;
      }
    }
    UsageRollups.Deleted deleted =
        rollups.deleteOld(properties.hourRetention(), properties.retentionDays());
    return new Report(events, deleted.hours(), deleted.days());
  }

  private void count(UsageRollups.Folded tier) {
    counter("agp.usage.executions", "Ended executions counted in the usage rollups", tier)
        .increment(tier.executions());
    counter("agp.usage.interactive", "Sync runs and proxy queries counted in the rollups", tier)
        .increment(tier.interactive());
    counter("agp.usage.read.bytes", "Bytes ClickHouse read for the counted queries", tier)
        .increment(tier.readBytes());
    counter("agp.usage.server.seconds", "ClickHouse server time of the counted queries", tier)
        .increment(tier.serverMillis() / 1000.0);
  }

  private Counter counter(String name, String description, UsageRollups.Folded tier) {
    return Counter.builder(name).description(description).tag("tier", tier.tier()).register(meters);
  }
}
