package io.agp.worker.run;

import io.agp.execution.ClaimedExecution;
import io.agp.execution.ExecutionHop;
import io.agp.execution.ExecutionRepository;
import io.agp.results.ResultStore;
import io.agp.schedule.JobRunner;
import io.agp.schedule.PeriodicJob;
import io.agp.tier.TierClickHouse;
import io.agp.tier.TierProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The executions of one tier on this worker: its {@link ClaimLoop} takes up to the free slots of
 * its {@link Attempts}, each of which runs as an {@link AttemptRun}, while its {@link LeaseKeeper}
 * renews their leases and its {@link ProgressSampler} records how far their queries got, each on a
 * thread and interval of its own.
 */
public final class TierPool {

  private final String tierName;
  private final TierProperties tier;
  private final String workerId;
  private final ExecutionRepository executions;
  private final Attempts attempts;
  private final ClaimLoop loop;
  private final LeaseKeeper leases;
  private final ProgressSampler sampler;
  private final MeterRegistry meters;
  private JobRunner samples;

  private final Counter emptyClaims;
  private final Counter fruitfulClaims;

  TierPool(String tierName, TierProperties tier, TierClickHouse clickhouse, PoolContext context) {
    this.tierName = tierName;
    this.tier = tier;
    this.workerId = context.workerId();
    this.executions = context.executions();
    this.loop =
        new ClaimLoop(tierName, context.pollInterval(), this::freeSlots, this::claimAndStart);
    this.attempts =
        new Attempts(tierName, tier, new QuerySender(clickhouse), context, loop::slotFreed);
    this.leases =
        new LeaseKeeper(
            tierName,
            executions,
            tier.lease(),
            attempts::running,
            attempts::isRunning,
            context.meters());
    this.sampler = new ProgressSampler(tierName, executions, attempts::running);
    this.emptyClaims = claims(context.meters(), tierName, "empty");
    this.fruitfulClaims = claims(context.meters(), tierName, "claimed");
    this.meters = context.meters();
  }

  /**
   * Claim statements by what they found: one that finds nothing was woken, or polled, for work that
   * another worker took; many of them mean wake-ups that reach more workers than there is work
   * (bench/README.md, "Scale").
   */
  private static Counter claims(MeterRegistry meters, String tier, String result) {
    return Counter.builder("agp.worker.claims")
        .description("Claim statements of a tier, by result: claimed (one or more) or empty")
        .tag("tier", tier)
        .tag("result", result)
        .register(meters);
  }

  /** What the pools of one worker share. */
  record PoolContext(
      String workerId,
      ExecutionRepository executions,
      ResultStore results,
      FailurePolicy policy,
      Duration pollInterval,
      Clock clock,
      MeterRegistry meters) {}

  public String tier() {
    return tierName;
  }

  void start() {
    loop.start();
    leases.start(tier.effectiveHeartbeatInterval());
    samples =
        JobRunner.start(
            PeriodicJob.of(
                "progress-" + tierName, tier.effectiveProgressInterval(), sampler::sample),
            meters);
  }

  /**
   * {@code executions} new executions are this worker's to claim: its share of {@code announced}
   * that a notification dealt out.
   */
  public void wake(int executions, int announced) {
    loop.wake(executions, announced);
  }

  /** Asks the claim loop to fill every free slot now (a notification for all, a reconnection). */
  public void wakeAll() {
    loop.wakeAll();
  }

  /** An execution was canceled: if it runs here, stop it now rather than at the heartbeat. */
  void canceled(long executionId) {
    attempts.canceled(executionId);
  }

  /** Stops claiming; running attempts go on until {@link #awaitRunning} or {@link #requeueAll}. */
  void stopClaiming() {
    loop.stop();
  }

  /** Waits up to {@code grace} for running attempts to finish; true when none is left. */
  boolean awaitRunning(Duration grace) {
    return attempts.awaitEnd(grace);
  }

  /** Gives every running attempt back to the queue and stops it: used past the shutdown grace. */
  void requeueAll(Duration delay) {
    attempts.requeueAll(delay);
  }

  void close() {
    if (samples != null) {
      samples.close();
    }
    sampler.close();
    attempts.close();
    // Last, so that the attempts that finished above kept their leases to the end.
    leases.stop();
  }

  private int freeSlots() {
    return attempts.freeSlots();
  }

  /** Claims up to {@code limit} executions and starts them; only the claim loop calls it. */
  private int claimAndStart(int limit, int lookahead) {
    List<ClaimedExecution> claimed =
        executions.claim(
            tierName, workerId, limit, lookahead, tier.lease(), tier.maxRunningPerUser());
    (claimed.isEmpty() ? emptyClaims : fruitfulClaims).increment();
    claimed.forEach(
        c -> ExecutionHop.mark(c.execution().id(), ExecutionHop.Step.CLAIMED, tierName));
    claimed.forEach(attempts::start);
    return claimed.size();
  }
}
