package io.agp.clickhouse;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cuts the exchanges that wait for the server longer than they may, from one thread of its owner
 * that looks at the waits under way a few times a second. Cheaper than a socket timeout, which on a
 * virtual thread schedules and cancels a timer at every read that blocks.
 */
final class ReadWatchdog implements AutoCloseable {

  private static final Duration TICK = Duration.ofMillis(250);

  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private final String name;
  private Thread thread;
  private boolean closed;

  ReadWatchdog(String name) {
    this.name = name;
  }

  /** The server sent nothing for longer than allowed: stalled, frozen or cut off. */
  static final class ReadTimeout extends SocketTimeoutException {

    ReadTimeout(String message) {
      super(message);
    }
  }

  /**
   * Watches one exchange from now until {@link Watch#close()}.
   *
   * @param cut what cuts the exchange's connection, so that its blocked read fails at once
   */
  Watch watch(Runnable cut) {
    Watch watch = new Watch(cut);
    watches.add(watch);
    startOnce();
    return watch;
  }

  private synchronized void startOnce() {
    if (thread == null && !closed) {
      thread = Thread.ofVirtual().name(name).start(this::run);
    }
  }

  private void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(TICK);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (Watch watch : watches) {
        watch.cutIfLate(now);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
  }

  /** The deadline of one exchange's current wait. */
  final class Watch implements AutoCloseable {

    private final Runnable cut;
    // System.nanoTime() by which the wait under way must end; NONE when none is under way.
    private volatile long deadline = NONE;
    private volatile boolean fired;
    private static final long NONE = Long.MIN_VALUE;

    private Watch(Runnable cut) {
      this.cut = cut;
    }

    /** A wait begins that may last this long. */
    void waitFor(Duration limit) {
      deadline = System.nanoTime() + limit.toNanos();
    }

    /** The wait under way has ended. */
    void waited() {
      deadline = NONE;
    }

    /** Whether the watchdog cut the exchange. */
    boolean fired() {
      return fired;
    }

    private void cutIfLate(long now) {
      long until = deadline;
      if (until != NONE && now - until > 0) {
        fired = true;
        deadline = NONE;
        cut.run();
      }
    }

    @Override
    public void close() {
      watches.remove(this);
    }
  }
}
