package io.agp.schedule;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link PeriodicJob} on a thread of its own (named after the job), so that a slow round
 * of one job never delays another's. A round that fails is logged and the next runs at the job's
 * interval: one error never stops a job. Each round is timed, by job ({@code name}: Prometheus
 * keeps {@code job} for its own label) and outcome, as {@code agp.job.round}; its count of {@code
 * outcome=failed} is what an alert watches.
 */
public final class JobRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

  /** The shortest pause between two rounds, for very short intervals. */
  private static final Duration MIN_INTERVAL = Duration.ofMillis(10);

  private final PeriodicJob job;
  private final ScheduledExecutorService thread;
  private final Timer succeeded;
  private final Timer failed;

  private JobRunner(PeriodicJob job, MeterRegistry meters) {
    this.job = job;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("job-" + job.name()).daemon().factory());
    this.succeeded = timer(meters, job.name(), "succeeded");
    this.failed = timer(meters, job.name(), "failed");
  }

  private static Timer timer(MeterRegistry meters, String job, String outcome) {
    return Timer.builder("agp.job.round")
        .description("Rounds of a periodic job, by how they ended")
        .tag("name", job)
        .tag("outcome", outcome)
        .register(meters);
  }

  /**
   * Starts {@code job}: its first round after {@code firstAfter}, then one {@link
   * PeriodicJob#interval()} after the end of each round.
   */
  public static JobRunner start(PeriodicJob job, Duration firstAfter, MeterRegistry meters) {
    JobRunner runner = new JobRunner(job, meters);
    long every = Math.max(MIN_INTERVAL.toMillis(), job.interval().toMillis());
    runner.thread.scheduleWithFixedDelay(
        runner::round, firstAfter.toMillis(), every, TimeUnit.MILLISECONDS);
    return runner;
  }

  /** Starts {@code job} with its first round one interval from now. */
  public static JobRunner start(PeriodicJob job, MeterRegistry meters) {
    return start(job, job.interval(), meters);
  }

  /**
   * Runs one more round on the job's thread after {@code delay} (a change the job should see sooner
   * than its interval); nothing once closed.
   */
  public void runSoon(Duration delay) {
    try {
      thread.schedule(this::round, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closed meanwhile: there is nothing left to run.
    }
  }

  /** Whether it was closed. */
  public boolean closed() {
    return thread.isShutdown();
  }

  private void round() {
    long start = System.nanoTime();
    try {
      Object report = job.runOnce();
      succeeded.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (report != null) {
        log.debug("{}: {}", job.name(), report);
      }
    } catch (RuntimeException e) {
      failed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      log.error("a round of {} failed; the next runs in {}", job.name(), job.interval(), e);
    }
  }

  /** Stops at once: a round under way is interrupted. */
  @Override
  public void close() {
    thread.shutdownNow();
  }

  /**
   * Stops every runner: no round starts from now on, the rounds under way may end within {@code
   * within} (all together, not one after the other), and those still running then are interrupted.
   */
  public static void closeGently(List<JobRunner> runners, Duration within) {
    runners.forEach(runner -> runner.thread.shutdown());
    long deadline = System.nanoTime() + within.toNanos();
    try {
      for (JobRunner runner : runners) {
        runner.thread.awaitTermination(
            Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      runners.forEach(JobRunner::close);
    }
  }
}
