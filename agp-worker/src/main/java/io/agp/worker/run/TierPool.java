package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.QueryProgress;
import io.agp.execution.ClaimedExecution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.Progress;
import io.agp.tier.TierProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executions of one tier on this worker: a claim loop that takes up to the free slots, a
 * virtual thread per running attempt, and heartbeats that renew the leases and record progress.
 */
public final class TierPool {

  private static final Logger log = LoggerFactory.getLogger(TierPool.class);

  /** Pause after a failed claim, so that a database outage does not spin the loop. */
  private static final Duration CLAIM_ERROR_PAUSE = Duration.ofSeconds(1);

  private final String tierName;
  private final TierProperties tier;
  private final String workerId;
  private final ExecutionRepository executions;
  private final ClickHouseClient clickhouse;
  private final ExecutionRunner runner;
  private final Duration pollInterval;
  private final Semaphore slots;
  private final Map<Long, RunningExecution> running = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService heartbeats;
  private boolean wakeRequested;
  private volatile boolean claiming;
  private Thread loop;

  TierPool(String tierName, TierProperties tier, ClickHouseClient clickhouse, PoolContext context) {
    this.tierName = tierName;
    this.tier = tier;
    this.clickhouse = clickhouse;
    this.workerId = context.workerId();
    this.executions = context.executions();
    this.runner = context.runner();
    this.pollInterval = context.pollInterval();
    this.slots = new Semaphore(tier.concurrency());
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("heartbeat-" + tierName).daemon().factory());
  }

  /** What the pools of one worker share. */
  record PoolContext(
      String workerId,
      ExecutionRepository executions,
      ExecutionRunner runner,
      Duration pollInterval) {}

  public String tier() {
    return tierName;
  }

  void start() {
    claiming = true;
    loop = Thread.ofPlatform().name("claim-" + tierName).start(this::claimLoop);
    long every = Math.max(100, tier.lease().toMillis() / 3);
    heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
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

  /** An execution was cancelled: if it runs here, stop it now rather than at the heartbeat. */
  void cancelled(long executionId) {
    RunningExecution run = running.get(executionId);
    if (run != null) {
      run.abandon("cancelled");
    }
  }

  /** Executions of this pool that run right now. */
  public int runningCount() {
    return running.size();
  }

  /** Stops claiming; running attempts go on until {@link #awaitRunning} or {@link #abandonAll}. */
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
      if (executions.requeue(run.lease(), delay, "worker " + workerId + " shut down")) {
        run.abandon("worker shutting down");
      }
    }
  }

  void close() {
    attempts.shutdown();
    try {
      attempts.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
      // A full batch means more may be waiting: look again at once.
      if (claimed == 0 || claimed < free) {
        awaitWake();
      }
    }
  }

  private int claim(int free) {
    // Only this loop takes slots, so they can only grow between the count and the claim.
    List<ClaimedExecution> claimed = executions.claim(tierName, workerId, free, tier.lease());
    for (ClaimedExecution execution : claimed) {
      slots.acquireUninterruptibly();
      RunningExecution run = new RunningExecution(execution, clickhouse);
      running.put(execution.execution().id(), run);
      attempts.submit(() -> runAttempt(run));
    }
    return claimed.size();
  }

  private void runAttempt(RunningExecution run) {
    try {
      runner.run(run, tier);
    } catch (RuntimeException e) {
      log.error("execution {} ended with an unexpected error", run.lease().executionId(), e);
    } finally {
      running.remove(run.lease().executionId());
      slots.release();
      wake();
    }
  }

  private void heartbeat() {
    for (RunningExecution run : running.values()) {
      try {
        Progress progress = progress(run).orElse(null);
        if (!executions.heartbeat(run.lease(), tier.lease(), progress)) {
          run.abandon("no longer owns the execution (cancelled or requeued)");
        }
      } catch (RuntimeException e) {
        // The lease still runs; the next heartbeat tries again.
        log.warn("heartbeat of execution {} failed", run.lease().executionId(), e);
      }
    }
  }

  private Optional<Progress> progress(RunningExecution run) {
    try {
      Optional<QueryProgress> progress = clickhouse.progress(run.lease().clickHouseQueryId());
      return progress.map(
          p ->
              new Progress(
                  p.readRows(),
                  p.readBytes(),
                  p.totalRowsApprox(),
                  p.elapsed().toMillis(),
                  p.memoryBytes()));
    } catch (RuntimeException e) {
      log.debug("no progress for execution {}", run.lease().executionId(), e);
      return Optional.empty();
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
