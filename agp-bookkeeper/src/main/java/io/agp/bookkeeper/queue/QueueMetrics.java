package io.agp.bookkeeper.queue;

import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.bookkeeper.MaintenanceRepository.TierQueue;
import io.agp.schedule.PeriodicJob;
import io.agp.tier.Tiers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauges of the queue per tier: PENDING and RUNNING executions and the age of the oldest PENDING
 * one, refreshed by {@link #runOnce} so that a scrape never queries the database.
 */
public final class QueueMetrics implements PeriodicJob {

  private final MaintenanceRepository maintenance;
  private final MeterRegistry meters;
  private final Duration interval;
  private final Map<String, TierQueue> latest = new ConcurrentHashMap<>();

  /**
   * @param interval how often the gauges are refreshed
   */
  public QueueMetrics(
      MaintenanceRepository maintenance, Tiers tiers, MeterRegistry meters, Duration interval) {
    this.maintenance = maintenance;
    this.meters = meters;
    this.interval = interval;
    tiers.names().forEach(this::register);
  }

  @Override
  public String name() {
    return "queue-metrics";
  }

  @Override
  public Duration interval() {
    return interval;
  }

  @Override
  public List<TierQueue> runOnce() {
    List<TierQueue> queues = maintenance.countInFlight();
    // Tiers with nothing in flight drop out of the query: they read zero.
    latest.replaceAll((tier, old) -> new TierQueue(tier, 0, 0, 0));
    for (TierQueue queue : queues) {
      if (!latest.containsKey(queue.tier())) {
        register(queue.tier());
      }
      latest.put(queue.tier(), queue);
    }
    return queues;
  }

  private void register(String tier) {
    latest.putIfAbsent(tier, new TierQueue(tier, 0, 0, 0));
    Gauge.builder("agp.bookkeeper.queue.executions", () -> latest.get(tier).pending())
        .tags("tier", tier, "status", "PENDING")
        .register(meters);
    Gauge.builder("agp.bookkeeper.queue.executions", () -> latest.get(tier).running())
        .tags("tier", tier, "status", "RUNNING")
        .register(meters);
    Gauge.builder(
            "agp.bookkeeper.queue.oldest.pending", () -> latest.get(tier).oldestPendingSeconds())
        .tags("tier", tier)
        .baseUnit("seconds")
        .register(meters);
  }
}
