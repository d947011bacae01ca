package io.agp.schedule;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.SmartLifecycle;

/**
 * Runs an application's {@link PeriodicJob} beans, each on its {@link JobRunner}, while the
 * application runs: its first rounds at once, and on stop lets the rounds under way end (within 10
 * seconds in all).
 */
public final class ScheduledJobs implements SmartLifecycle {

  private static final Duration STOP_WITHIN = Duration.ofSeconds(10);

  private final List<PeriodicJob> jobs;
  private final MeterRegistry meters;
  private final List<JobRunner> runners = new ArrayList<>();

  public ScheduledJobs(List<? extends PeriodicJob> jobs, MeterRegistry meters) {
    this.jobs = List.copyOf(jobs);
    this.meters = meters;
  }

  @Override
  public synchronized void start() {
    for (PeriodicJob job : jobs) {
      runners.add(JobRunner.start(job, Duration.ZERO, meters));
    }
  }

  @Override
  public synchronized void stop() {
    JobRunner.closeGently(List.copyOf(runners), STOP_WITHIN);
    runners.clear();
  }

  @Override
  public synchronized boolean isRunning() {
    return !runners.isEmpty();
  }
}
