package io.agp.bookkeeper.secrets;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.schedule.PeriodicJob;
import java.time.Duration;

/**
 * Wipes the parameters (which may hold secrets) of executions that have ended. Workers wipe them
 * when they complete an execution; this catches the ways an execution can end without its worker.
 */
public final class ParameterWiper implements PeriodicJob {

  private final MaintenanceRepository maintenance;
  private final BookkeeperProperties.Secrets properties;

  public ParameterWiper(
      MaintenanceRepository maintenance, BookkeeperProperties.Secrets properties) {
    this.maintenance = maintenance;
    this.properties = properties;
  }

  /** What one round did. */
  public record Report(int wiped) {}

  @Override
  public String name() {
    return "secrets";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    int wiped = 0;
    int n;
    do {
      n = maintenance.wipeParameters(properties.batchSize());
      wiped += n;
    } while (n == properties.batchSize());
    return new Report(wiped);
  }
}
