package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.bookkeeper.rescue.DeadExecutionRequeuer;
import io.agp.schedule.PeriodicJob;
import io.agp.schedule.ScheduledJobs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each duty has a thread of its own: a sweep that takes minutes (a bucket of millions of objects, a
 * store that answers slowly) cannot delay the rescue of a dead worker's executions.
 */
class DutiesTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void aSweepThatHangsDoesNotDelayTheRescueOfDeadExecutions() throws Exception {
    CountDownLatch sweepStarted = new CountDownLatch(1);
    CountDownLatch releaseSweep = new CountDownLatch(1);
    // The sweep on a short interval: with a thread shared with the rescue it would hold it from
    // the start.
    PeriodicJob hangingSweep =
        PeriodicJob.of(
            "orphans",
            Duration.ofMillis(10),
            () -> {
              sweepStarted.countDown();
              try {
                releaseSweep.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    DeadExecutionRequeuer rescue =
        new DeadExecutionRequeuer(
            fixture.maintenance,
            fixture.clickhouse,
            new BookkeeperProperties.Rescue(Duration.ofMillis(100), 10),
            new SimpleMeterRegistry());
    ScheduledJobs scheduler =
        new ScheduledJobs(List.of(hangingSweep, rescue), new SimpleMeterRegistry());
    scheduler.start();
    try {
      sweepStarted.await();
      long id = fixture.create("SELECT 1", Map.of(), 3);
      fixture.claim(Duration.ofMillis(1));
      fixture.awaitLeasesPast();

      // Rescued within a few of its rounds, while the sweep still hangs.
      await().atMost(Duration.ofSeconds(3)).until(() -> fixture.status(id).equals("PENDING"));
      assertThat(releaseSweep.getCount()).isEqualTo(1);
    } finally {
      releaseSweep.countDown();
      scheduler.stop();
    }
  }
}
