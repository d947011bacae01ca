package io.agp.worker.run;

import io.agp.execution.ClaimedExecution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.tier.TierProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The attempts a pool runs: a slot each (the tier's concurrency), a virtual thread each, a deadline
 * each (the tier's max-run-time, which the worker enforces itself), and their end counted.
 */
final class Attempts {

  private static final Logger log = LoggerFactory.getLogger(Attempts.class);

  private final String tierName;
  private final TierProperties tier;
  private final String workerId;
  private final ExecutionRepository executions;
  private final Clock clock;
  private final TierMetrics metrics;
  private final AttemptRun.Context context;
  private final Runnable ended;
  private final Semaphore slots;
  private final Map<Long, RunningExecution> running = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService deadlines;

  /**
   * @param ended called when an attempt ended, its slot free again
   */
  Attempts(
      String tierName,
      TierProperties tier,
      QuerySender sender,
      TierPool.PoolContext pool,
      Runnable ended) {
    this.tierName = tierName;
    this.tier = tier;
    this.workerId = pool.workerId();
    this.executions = pool.executions();
    this.clock = pool.clock();
    this.ended = ended;
    this.slots = new Semaphore(tier.concurrency());
    this.metrics = new TierMetrics(pool.meters(), tierName, running::size, slots::availablePermits);
    this.context =
        new AttemptRun.Context(
            executions, pool.results(), clock, tier, sender, pool.policy(), metrics);
    this.deadlines =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("deadlines-" + tierName).daemon().factory());
  }

  int freeSlots() {
    return slots.availablePermits();
  }

  Collection<RunningExecution> running() {
    return running.values();
  }

  /** Whether the attempt is still one of the pool's (one that ended is done with). */
  boolean isRunning(RunningExecution run) {
    return running.get(run.attemptId().executionId()) == run;
  }

  /** Starts a claimed attempt; its slot is taken at once (only the claim loop starts attempts). */
  void start(ClaimedExecution claimed) {
    slots.acquireUninterruptibly();
    RunningExecution run = new RunningExecution(claimed);
    running.put(claimed.execution().id(), run);
    metrics.started(claimed.execution());
    // ClickHouse gets max_execution_time too, but a server that does not enforce it (or a query
    // that ends up lifting it) must not run on.
    ScheduledFuture<?> deadline =
        deadlines.schedule(
            () -> run.stopOverrun(overrunReason()),
            tier.maxRunTime().toMillis(),
            TimeUnit.MILLISECONDS);
    threads.submit(() -> run(run, deadline));
  }

  /** An execution was canceled: if it runs here, stop it now rather than at the heartbeat. */
  void canceled(long executionId) {
    RunningExecution run = running.get(executionId);
    if (run != null) {
      run.abandon(AttemptOutcome.CANCELED, "canceled");
    }
  }

  /** Waits up to {@code grace} for the attempts to finish; true when none is left. */
  boolean awaitEnd(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    while (!running.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return running.isEmpty();
      }
    }
    return running.isEmpty();
  }

  /** Gives every attempt back to the queue and stops it: used past the shutdown grace. */
  void requeueAll(Duration delay) {
    for (RunningExecution run : running.values()) {
      try {
        if (executions.requeue(run.attemptId(), delay, "worker " + workerId + " shut down")) {
          run.abandon(AttemptOutcome.REQUEUED, "worker shutting down");
        } else {
          run.abandon(AttemptOutcome.LOST, "lost while the worker shut down");
        }
      } catch (RuntimeException e) {
        // The lease runs out and the bookkeeper requeues it; the query must stop all the same.
        log.warn("could not requeue execution {} at shutdown", run.attemptId().executionId(), e);
        run.abandon(AttemptOutcome.LOST, "worker shutting down");
      }
    }
  }

  void close() {
    deadlines.shutdownNow();
    threads.shutdown();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String overrunReason() {
    return "the query ran for the max-run-time of tier "
        + tierName
        + " ("
        + Durations.text(tier.maxRunTime())
        + ") and was stopped";
  }

  private void run(RunningExecution run, ScheduledFuture<?> deadline) {
    Instant started = clock.instant();
    AttemptOutcome outcome = AttemptOutcome.FAILED;
    MDC.put("execution_id", Long.toString(run.attemptId().executionId()));
    MDC.put("attempt", Integer.toString(run.attemptId().attempt()));
    MDC.put("tier", tierName);
    try {
      outcome = new AttemptRun(run, context).run();
      if (outcome == AttemptOutcome.LOST) {
        outcome = lostOrCanceled(run);
      }
    } catch (RuntimeException e) {
      log.error("execution {} ended with an unexpected error", run.attemptId().executionId(), e);
    } finally {
      deadline.cancel(false);
      metrics.ended(outcome, Duration.between(started, clock.instant()));
      running.remove(run.attemptId().executionId());
      slots.release();
      MDC.clear();
      ended.run();
    }
  }

  /** A heartbeat learns only that the row is gone; the row tells whether it was a cancel. */
  private AttemptOutcome lostOrCanceled(RunningExecution run) {
    try {
      return executions
          .get(run.attemptId().executionId())
          .filter(e -> e.status() == ExecutionStatus.CANCELED)
          .map(e -> AttemptOutcome.CANCELED)
          .orElse(AttemptOutcome.LOST);
    } catch (RuntimeException e) {
      log.warn("could not read execution {}", run.attemptId().executionId(), e);
      return AttemptOutcome.LOST;
    }
  }
}
