package io.agp.api;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A round of work the API runs on a thread of its own at a fixed delay while the application runs
 * (the download watchdog, the client watch, the progress feed): a round that fails is logged and
 * the next one runs as planned.
 */
public abstract class PeriodicRound implements SmartLifecycle {

  /** The shortest pause between two rounds, for very short intervals. */
  private static final Duration MIN_EVERY = Duration.ofMillis(10);

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final Duration every;
  private final String failure;
  private final ScheduledExecutorService rounds;
  private volatile boolean running;

  /**
   * @param threadName the name of the rounds' thread
   * @param every the pause between the end of a round and the start of the next
   * @param failure what the log says when a round fails, e.g. "could not check the downloads"
   */
  protected PeriodicRound(String threadName, Duration every, String failure) {
    this.every = every;
    this.failure = failure;
    this.rounds =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name(threadName).daemon().factory());
  }

  /** One round. */
  protected abstract void round();

  private void roundSafely() {
    try {
      round();
    } catch (RuntimeException e) {
      log.error(failure, e);
    }
  }

  @Override
  public void start() {
    running = true;
    long millis = Math.max(MIN_EVERY.toMillis(), every.toMillis());
    rounds.scheduleWithFixedDelay(this::roundSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    running = false;
    rounds.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
