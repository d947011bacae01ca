package io.agp.bookkeeper;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs each duty on its own interval and thread, so that a slow round of one (an expiry of many
 * objects, callbacks waiting on slow receivers) never delays another's. A failing round is logged
 * and the duty runs again at its next interval: one error never stops the bookkeeper.
 */
final class DutyScheduler implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(DutyScheduler.class);

  private final Map<Duty, Duration> duties;
  private ScheduledExecutorService scheduler;

  DutyScheduler(Map<Duty, Duration> duties) {
    this.duties = duties;
  }

  @Override
  public void start() {
    // A thread per duty: a duty that waits on a slow ClickHouse (killing dead attempts' queries,
    // reading the query log) never holds up the others.
    scheduler =
        Executors.newScheduledThreadPool(
            duties.size(), Thread.ofPlatform().name("bookkeeper-", 0).daemon().factory());
    duties.forEach(
        (duty, interval) ->
            scheduler.scheduleWithFixedDelay(
                () -> run(duty), 0, interval.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static void run(Duty duty) {
    try {
      Object report = duty.runOnce();
      log.debug("{}: {}", duty.name(), report);
    } catch (RuntimeException e) {
      log.error("{} failed; it runs again at its next interval", duty.name(), e);
    }
  }

  @Override
  public void stop() {
    if (scheduler != null) {
      scheduler.shutdown();
      try {
        if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
          scheduler.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return scheduler != null && !scheduler.isShutdown();
  }
}
