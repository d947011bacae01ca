package io.agp.worker.run;

import io.agp.execution.ClaimedExecution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.tier.TierProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The executions of one tier on this worker: a claim loop that takes up to the free slots, a
 * virtual thread per running attempt, heartbeats that renew the leases, and a {@link
 * ProgressSampler} that records how far the queries got. The two run on threads of their own, each
 * on its interval: the renewals never wait on ClickHouse.
 */
public final class TierPool {

  private static final Logger log = LoggerFactory.getLogger(TierPool.class);

  /** Pause after a failed claim, so that a database outage does not spin the loop. */
  private static final Duration CLAIM_ERROR_PAUSE = Duration.ofSeconds(1);

  private final String tierName;
  private final TierProperties tier;
  private final String workerId;
  private final ExecutionRepository executions;
  private final TierClickHouse clickhouse;
  private final ExecutionRunner runner;
  private final Duration pollInterval;
  private final Clock clock;
  private final Semaphore slots;
  private final TierMetrics metrics;
  private final Map<Long, RunningExecution> running = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService heartbeats;
  private final ScheduledExecutorService progressRounds;
  private final ProgressSampler sampler;
  private boolean wakeRequested;
  private volatile boolean claiming;
  private Thread loop;

  TierPool(String tierName, TierProperties tier, TierClickHouse clickhouse, PoolContext context) {
    this.tierName = tierName;
    this.tier = tier;
    this.clickhouse = clickhouse;
    this.workerId = context.workerId();
    this.executions = context.executions();
    this.runner = context.runner();
    this.pollInterval = context.pollInterval();
    this.clock = context.clock();
    this.slots = new Semaphore(tier.concurrency());
    this.metrics =
        new TierMetrics(
            context.meters(), tierName, running::size, () -> tier.concurrency() - running.size());
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("heartbeat-" + tierName).daemon().factory());
    this.progressRounds =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("progress-" + tierName).daemon().factory());
    this.sampler = new ProgressSampler(tierName, executions, running::values);
  }

  /** What the pools of one worker share. */
  record PoolContext(
      String workerId,
      ExecutionRepository executions,
      ExecutionRunner runner,
      Duration pollInterval,
      Clock clock,
      MeterRegistry meters) {}

  public String tier() {
    return tierName;
  }

  void start() {
    claiming = true;
    loop = Thread.ofPlatform().name("claim-" + tierName).start(this::claimLoop);
    long every = tier.effectiveHeartbeatInterval().toMillis();
    heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    long sampleEvery = tier.effectiveProgressInterval().toMillis();
    progressRounds.scheduleWithFixedDelay(
        this::sampleProgress, sampleEvery, sampleEvery, TimeUnit.MILLISECONDS);
  }

  /** Asks the claim loop to look for work now (a notification, or a slot became free). */
  public void wake() {
    lock.lock();
    try {
      wakeRequested = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** An execution was canceled: if it runs here, stop it now rather than at the heartbeat. */
  void canceled(long executionId) {
    RunningExecution run = running.get(executionId);
    if (run != null) {
      run.abandon(AttemptOutcome.CANCELED, "canceled");
    }
  }

  /** Executions of this pool that run right now. */
  public int runningCount() {
    return running.size();
  }

  /** Stops claiming; running attempts go on until {@link #awaitRunning} or {@link #requeueAll}. */
  void stopClaiming() {
    claiming = false;
    wake();
    if (loop != null) {
      try {
        loop.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits up to {@code grace} for running attempts to finish; true when none is left. */
  boolean awaitRunning(Duration grace) {
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

  /** Gives every running attempt back to the queue and stops it: used past the shutdown grace. */
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
    progressRounds.shutdownNow();
    sampler.close();
    attempts.shutdown();
    try {
      attempts.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Last, so that the attempts that finished above kept their leases to the end.
    heartbeats.shutdownNow();
  }

  private void claimLoop() {
    while (claiming) {
      int claimed = 0;
      int free = slots.availablePermits();
      if (free > 0) {
        try {
          claimed = claim(free);
        } catch (RuntimeException e) {
          log.warn("claiming executions of tier {} failed", tierName, e);
          pause(CLAIM_ERROR_PAUSE);
          continue;
        }
      }
      // Something claimed and slots left: more may be waiting (the per-user limit may also have
      // trimmed the batch), so look again at once. Otherwise wait for a wake-up or the poll.
      if (claimed == 0 || slots.availablePermits() == 0) {
        awaitWake();
      }
    }
  }

  private int claim(int free) {
    // Only this loop takes slots, so they can only grow between the count and the claim.
    List<ClaimedExecution> claimed =
        executions.claim(tierName, workerId, free, tier.lease(), tier.maxRunningPerUser());
    for (ClaimedExecution execution : claimed) {
      slots.acquireUninterruptibly();
      RunningExecution run = new RunningExecution(execution);
      running.put(execution.execution().id(), run);
      metrics.started(execution.execution());
      // The worker's own bound on the run time: ClickHouse gets max_execution_time too, but a
      // server that does not enforce it (or a query that ends up lifting it) must not run on.
      ScheduledFuture<?> deadline =
          heartbeats.schedule(
              () -> run.stopOverrun(overrunReason()),
              tier.maxRunTime().toMillis(),
              TimeUnit.MILLISECONDS);
      attempts.submit(() -> runAttempt(run, deadline));
    }
    return claimed.size();
  }

  private String overrunReason() {
    return "the query ran for the max-run-time of tier "
        + tierName
        + " ("
        + Durations.text(tier.maxRunTime())
        + ") and was stopped";
  }

  private void runAttempt(RunningExecution run, ScheduledFuture<?> deadline) {
    Instant started = clock.instant();
    AttemptOutcome outcome = AttemptOutcome.FAILED;
    MDC.put("execution_id", Long.toString(run.attemptId().executionId()));
    MDC.put("attempt", Integer.toString(run.attemptId().attempt()));
    MDC.put("tier", tierName);
    try {
      outcome = runner.run(run, tier, clickhouse, metrics);
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
      wake();
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

  /** Renews the leases of all running attempts in one statement; a lost attempt is stopped. */
  private void heartbeat() {
    List<RunningExecution> runs = List.copyOf(running.values());
    if (runs.isEmpty()) {
      return;
    }
    Set<Long> renewed;
    try {
      renewed =
          executions.renewLeases(
              runs.stream().map(RunningExecution::attemptId).toList(), tier.lease());
    } catch (RuntimeException e) {
      // The leases still run; the next heartbeat tries again.
      log.warn("renewing the leases of {} executions of tier {} failed", runs.size(), tierName, e);
      return;
    }
    for (RunningExecution run : runs) {
      // One that ended meanwhile has left the map: its row is no longer RUNNING, and it is done.
      long id = run.attemptId().executionId();
      if (!renewed.contains(id) && running.get(id) == run) {
        run.abandon(AttemptOutcome.LOST, "no longer owns the execution (canceled or requeued)");
      }
    }
  }

  private void sampleProgress() {
    try {
      sampler.sample();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again.
      log.warn("sampling the progress of tier {} failed", tierName, e);
    }
  }

  private void awaitWake() {
    lock.lock();
    try {
      if (!wakeRequested && claiming) {
        wake.await(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
      }
      wakeRequested = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      claiming = false;
    } finally {
      lock.unlock();
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
