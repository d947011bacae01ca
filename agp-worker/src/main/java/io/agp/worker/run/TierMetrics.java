package io.agp.worker.run;

import io.agp.execution.Execution;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The meters of one tier's pool: executions started and how they ended, run time, bytes stored,
 * claim latency (created → claimed) and slots busy and free.
 */
final class TierMetrics {

  private final Counter started;
  private final Map<AttemptOutcome, Counter> ended = new EnumMap<>(AttemptOutcome.class);
  private final Map<AttemptOutcome, Timer> runTime = new EnumMap<>(AttemptOutcome.class);
  private final DistributionSummary storedBytes;
  private final DistributionSummary inRowBytes;
  private final Timer claimLatency;

  TierMetrics(MeterRegistry registry, String tier, IntSupplier busy, IntSupplier free) {
    started =
        Counter.builder("agp.worker.executions")
            .description("attempts started and how they ended")
            .tag("tier", tier)
            .tag("event", "started")
            .register(registry);
    for (AttemptOutcome outcome : AttemptOutcome.values()) {
      ended.put(
          outcome,
          Counter.builder("agp.worker.executions")
              .description("attempts started and how they ended")
              .tag("tier", tier)
              .tag("event", outcome.tag())
              .register(registry));
      runTime.put(
          outcome,
          Timer.builder("agp.worker.execution.run.time")
              .description("from claim to the end of the attempt")
              .tag("tier", tier)
              .tag("outcome", outcome.tag())
              .publishPercentileHistogram()
              .register(registry));
    }
    storedBytes = storedBytes(registry, tier, "store");
    inRowBytes = storedBytes(registry, tier, "row");
    claimLatency =
        Timer.builder("agp.worker.claim.latency")
            .description("from creation to the first claim, in database time")
            .tag("tier", tier)
            .publishPercentileHistogram()
            .register(registry);
    Gauge.builder("agp.worker.slots", busy::getAsInt)
        .description("execution slots of the pool")
        .tag("tier", tier)
        .tag("state", "busy")
        .register(registry);
    Gauge.builder("agp.worker.slots", free::getAsInt)
        .description("execution slots of the pool")
        .tag("tier", tier)
        .tag("state", "free")
        .register(registry);
  }

  void started(Execution execution) {
    started.increment();
    // Only a first claim measures the claim latency: a retry waited for its backoff on purpose.
    if (execution.attempt() == 1 && execution.pickedAt() != null) {
      Duration latency = Duration.between(execution.createdAt(), execution.pickedAt());
      claimLatency.record(latency.isNegative() ? Duration.ZERO : latency);
    }
  }

  void ended(AttemptOutcome outcome, Duration duration) {
    ended.get(outcome).increment();
    runTime.get(outcome).record(duration);
  }

  /**
   * A successful execution's result, as stored.
   *
   * @param inRow whether it was kept in the execution's row rather than the store
   */
  void stored(long bytes, boolean inRow) {
    (inRow ? inRowBytes : storedBytes).record(bytes);
  }

  private static DistributionSummary storedBytes(MeterRegistry registry, String tier, String in) {
    return DistributionSummary.builder("agp.worker.result.stored.bytes")
        .description(
            "bytes stored per successful execution, after compression, in the result store or"
                + " the execution's row")
        .baseUnit("bytes")
        .tag("tier", tier)
        .tag("in", in)
        .register(registry);
  }
}
