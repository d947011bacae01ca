package io.agp.worker.run;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop that claims a tier's executions into the pool's free slots. It claims only as many as it
 * has reason to expect, so that a fleet of workers does not answer each new execution with a claim
 * apiece, all but one empty:
 *
 * <ul>
 *   <li>a wake-up handed to this worker ({@link #wake(int, int)}) is worth that many executions;
 *   <li>a wake-up for everybody ({@link #wakeAll()}: a notification without a count, a listener
 *       that (re)connected), the poll, and a slot freed while a backlog may be waiting (the last
 *       claim filled every slot it asked for) claim as many as there are free slots.
 * </ul>
 *
 * <p>Workers woken together rank the same rows: a claim looks at as many rows beyond its own as
 * executions were announced with its wake-up (its lookahead), skipping those the others lock. A
 * claim on wake-ups that still comes back short (other workers, woken by other notifications at the
 * same instant, took the rows it looked at) is tried once more at once with a longer lookahead;
 * after that its wake-ups are spent.
 *
 * <p>The poll runs after a poll interval without any notification of the tier (dealt to this worker
 * or not), so that a lost notification costs at most one interval once they stop. While they flow,
 * an execution dealt to a worker that is gone is taken by the next claim of another: claims take
 * the longest waiting first. A failing claim (the database away) is tried again after a pause.
 */
final class ClaimLoop {

  private static final Logger log = LoggerFactory.getLogger(ClaimLoop.class);

  /** Pause after a failed claim, so that a database outage does not spin the loop. */
  private static final Duration CLAIM_ERROR_PAUSE = Duration.ofSeconds(1);

  /** Claims executions for the pool. */
  interface Claimer {

    /**
     * Claims up to {@code limit} executions, looking at {@code lookahead} rows of each user beyond
     * them, and starts them.
     *
     * @return how many it claimed
     */
    int claim(int limit, int lookahead);
  }

  private final String tierName;
  private final Duration pollInterval;
  private final IntSupplier freeSlots;
  private final Claimer claimer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();

  // Guarded by lock.
  private final WakeUps wakeUps = new WakeUps();
  private boolean signaled;

  private volatile boolean claiming;
  private Thread thread;

  /**
   * @param freeSlots how many more executions the pool can run now
   */
  ClaimLoop(String tierName, Duration pollInterval, IntSupplier freeSlots, Claimer claimer) {
    this.tierName = tierName;
    this.pollInterval = pollInterval;
    this.freeSlots = freeSlots;
    this.claimer = claimer;
  }

  void start() {
    claiming = true;
    thread = Thread.ofPlatform().name("claim-" + tierName).start(this::loop);
  }

  /**
   * {@code executions} new executions are this worker's to claim (maybe none), out of {@code
   * announced} that were dealt out together.
   */
  void wake(int executions, int announced) {
    lock.lock();
    try {
      if (executions <= 0) {
        // None for this worker, but the notifications flow: no poll is due yet.
        signal();
        return;
      }
      wakeUps.dealt(executions, announced);
      signal();
    } finally {
      lock.unlock();
    }
  }

  /** Claims as many as there are free slots, now. */
  void wakeAll() {
    lock.lock();
    try {
      wakeUps.everything();
      signal();
    } finally {
      lock.unlock();
    }
  }

  /** A slot became free: claims again if wake-ups or a poll wait for it, or a backlog may. */
  void slotFreed() {
    lock.lock();
    try {
      if (wakeUps.slotFreed()) {
        signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops claiming and waits for the loop to end its round. */
  void stop() {
    claiming = false;
    wakeAll();
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void signal() {
    signaled = true;
    wake.signalAll();
  }

  private void loop() {
    while (claiming) {
      int free = freeSlots.getAsInt();
      WakeUps.Claim next = next(free);
      if (next == null) {
        awaitWake();
        continue;
      }
      int claimed;
      try {
        claimed = claimer.claim(next.wanted(), next.lookahead());
      } catch (RuntimeException e) {
        log.warn("claiming executions of tier {} failed", tierName, e);
        pause();
        wakeAll();
        continue;
      }
      claimed(next, free, claimed);
    }
  }

  private WakeUps.Claim next(int free) {
    lock.lock();
    try {
      return wakeUps.next(free);
    } finally {
      lock.unlock();
    }
  }

  private void claimed(WakeUps.Claim claim, int free, int claimed) {
    lock.lock();
    try {
      wakeUps.claimed(claim, free, claimed);
    } finally {
      lock.unlock();
    }
  }

  private void awaitWake() {
    lock.lock();
    try {
      if (!signaled && claiming) {
        if (!wake.await(pollInterval.toMillis(), TimeUnit.MILLISECONDS) && !signaled) {
          // A poll interval without a wake-up: look for whatever a lost notification announced.
          wakeUps.everything();
        }
      }
      signaled = false;
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
