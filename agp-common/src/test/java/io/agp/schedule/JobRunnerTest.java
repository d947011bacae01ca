package io.agp.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How periodic jobs run: past failures, on threads of their own, counted, and stopped. */
class JobRunnerTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private long rounds(String job, String outcome) {
    return meters.get("agp.job.round").tag("name", job).tag("outcome", outcome).timer().count();
  }

  @Test
  void aRoundThatFailsIsCountedAndTheNextRoundsStillRun() {
    AtomicInteger calls = new AtomicInteger();
    PeriodicJob flaky =
        PeriodicJob.of(
            "flaky",
            Duration.ofMillis(10),
            () -> {
              if (calls.incrementAndGet() % 2 == 1) {
                throw new IllegalStateException("every other round fails");
              }
            });
    try (JobRunner runner = JobRunner.start(flaky, Duration.ZERO, meters)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() >= 6);
    }
    assertThat(rounds("flaky", "failed")).isGreaterThanOrEqualTo(3);
    assertThat(rounds("flaky", "succeeded")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void runSoonRunsARoundLongBeforeTheInterval() {
    AtomicInteger calls = new AtomicInteger();
    PeriodicJob hourly = PeriodicJob.of("hourly", Duration.ofHours(1), calls::incrementAndGet);
    try (JobRunner runner = JobRunner.start(hourly, meters)) {
      assertThat(calls.get()).isZero();
      runner.runSoon(Duration.ZERO);
      await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);
    }
  }

  @Test
  void aJobThatHangsHoldsUpNoOtherAndEveryJobStopsWithItsApplication() throws Exception {
    CountDownLatch hanging = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PeriodicJob hangs =
        PeriodicJob.of(
            "hangs",
            Duration.ofMillis(10),
            () -> {
              hanging.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    AtomicInteger ticks = new AtomicInteger();
    PeriodicJob ticking = PeriodicJob.of("ticking", Duration.ofMillis(10), ticks::incrementAndGet);
    ScheduledJobs jobs = new ScheduledJobs(List.of(hangs, ticking), meters);
    jobs.start();
    try {
      hanging.await();
      await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 5);
    } finally {
      release.countDown();
      jobs.stop();
    }
    assertThat(jobs.isRunning()).isFalse();
    int after = ticks.get();
    Thread.sleep(100);
    assertThat(ticks.get()).isEqualTo(after);
  }

  @Test
  void runnersStoppedTogetherWaitOnceForTheirRoundsThenInterruptThem() throws Exception {
    CountDownLatch started = new CountDownLatch(3);
    CountDownLatch interrupted = new CountDownLatch(3);
    List<JobRunner> runners = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PeriodicJob hangs =
          PeriodicJob.of(
              "hangs-" + i,
              Duration.ofHours(1),
              () -> {
                started.countDown();
                try {
                  Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                  interrupted.countDown();
                }
              });
      runners.add(JobRunner.start(hangs, Duration.ZERO, meters));
    }
    started.await();
    long begin = System.nanoTime();
    JobRunner.closeGently(runners, Duration.ofMillis(500));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    // One wait of 500 ms for all three, not 500 ms each.
    assertThat(took).isBetween(Duration.ofMillis(400), Duration.ofMillis(1400));
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(runners).allMatch(JobRunner::closed);
  }
}
