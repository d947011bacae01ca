package io.agp.worker.run;

import io.agp.execution.ExecutionRepository;
import io.agp.schedule.JobRunner;
import io.agp.schedule.PeriodicJob;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leases of a pool's running attempts, all in one statement, every heartbeat interval,
 * on a thread of its own that never waits on ClickHouse. An attempt whose row no longer takes its
 * renewal (canceled, requeued by the bookkeeper) is abandoned.
 */
final class LeaseKeeper {

  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final String tierName;
  private final ExecutionRepository executions;
  private final Duration lease;
  private final Supplier<Collection<RunningExecution>> running;
  private final Predicate<RunningExecution> stillRunning;
  private final MeterRegistry meters;
  private JobRunner heartbeats;

  /**
   * @param running the pool's attempts now
   * @param stillRunning whether an attempt is still the pool's (one that ended meanwhile is done)
   */
  LeaseKeeper(
      String tierName,
      ExecutionRepository executions,
      Duration lease,
      Supplier<Collection<RunningExecution>> running,
      Predicate<RunningExecution> stillRunning,
      MeterRegistry meters) {
    this.tierName = tierName;
    this.executions = executions;
    this.lease = lease;
    this.running = running;
    this.stillRunning = stillRunning;
    this.meters = meters;
  }

  void start(Duration every) {
    heartbeats =
        JobRunner.start(PeriodicJob.of("heartbeat-" + tierName, every, this::renew), meters);
  }

  /** Stops the renewals: the last thing a pool stops, so that its attempts kept their leases. */
  void stop() {
    if (heartbeats != null) {
      heartbeats.close();
    }
  }

  void renew() {
    List<RunningExecution> runs = List.copyOf(running.get());
    if (runs.isEmpty()) {
      return;
    }
    Set<Long> renewed;
    try {
      renewed =
          executions.renewLeases(runs.stream().map(RunningExecution::attemptId).toList(), lease);
    } catch (RuntimeException e) {
      // The leases still run; the next heartbeat tries again.
      log.warn("renewing the leases of {} executions of tier {} failed", runs.size(), tierName, e);
      return;
    }
    for (RunningExecution run : runs) {
      if (!renewed.contains(run.attemptId().executionId()) && stillRunning.test(run)) {
        run.abandon(AttemptOutcome.LOST, "no longer owns the execution (canceled or requeued)");
      }
    }
  }
}
