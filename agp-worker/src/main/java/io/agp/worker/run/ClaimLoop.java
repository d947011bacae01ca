package io.agp.worker.run;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop that claims a tier's executions while there are free slots: at once when woken (a
 * notification, a slot freed), else at each poll interval, so that a lost notification costs at
 * most one interval. A failing claim (the database away) is tried again after a pause.
 */
final class ClaimLoop {

  private static final Logger log = LoggerFactory.getLogger(ClaimLoop.class);

  /** Pause after a failed claim, so that a database outage does not spin the loop. */
  private static final Duration CLAIM_ERROR_PAUSE = Duration.ofSeconds(1);

  private final String tierName;
  private final Duration pollInterval;
  private final IntSupplier freeSlots;
  private final IntUnaryOperator claim;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean wakeRequested;
  private volatile boolean claiming;
  private Thread thread;

  /**
   * @param freeSlots how many more executions the pool can run now
   * @param claim claims up to the given number of executions and returns how many it got
   */
  ClaimLoop(String tierName, Duration pollInterval, IntSupplier freeSlots, IntUnaryOperator claim) {
    this.tierName = tierName;
    this.pollInterval = pollInterval;
    this.freeSlots = freeSlots;
    this.claim = claim;
  }

  void start() {
    claiming = true;
    thread = Thread.ofPlatform().name("claim-" + tierName).start(this::loop);
  }

  /** Asks the loop to look for work now. */
  void wake() {
    lock.lock();
    try {
      wakeRequested = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops claiming and waits for the loop to end its round. */
  void stop() {
    claiming = false;
    wake();
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop() {
    while (claiming) {
      int claimed = 0;
      int free = freeSlots.getAsInt();
      if (free > 0) {
        try {
          claimed = claim.applyAsInt(free);
        } catch (RuntimeException e) {
          log.warn("claiming executions of tier {} failed", tierName, e);
          pause();
          continue;
        }
      }
      // Something claimed and slots left: more may be waiting (the per-user limit may also have
      // trimmed the batch), so look again at once. Otherwise wait for a wake-up or the poll.
      if (claimed == 0 || freeSlots.getAsInt() == 0) {
        awaitWake();
      }
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

  private static void pause() {
    try {
      Thread.sleep(CLAIM_ERROR_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
