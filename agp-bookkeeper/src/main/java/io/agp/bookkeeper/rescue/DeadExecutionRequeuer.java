package io.agp.bookkeeper.rescue;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.bookkeeper.MaintenanceRepository.DeadAttempt;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.execution.ExecutionStatus;
import io.agp.schedule.PeriodicJob;
import io.agp.tier.TierClickHouseClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the executions of dead workers another attempt: a RUNNING execution whose lease has passed
 * goes back to PENDING, or to FAILED once its attempts are used up, and the ClickHouse query of the
 * dead attempt is killed so that it does not run on beside the next one.
 */
public final class DeadExecutionRequeuer implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(DeadExecutionRequeuer.class);

  private final MaintenanceRepository maintenance;
  private final TierClickHouseClients clickhouse;
  private final BookkeeperProperties.Rescue properties;
  private final Counter requeued;
  private final Counter failed;

  public DeadExecutionRequeuer(
      MaintenanceRepository maintenance,
      TierClickHouseClients clickhouse,
      BookkeeperProperties.Rescue properties,
      MeterRegistry meters) {
    this.maintenance = maintenance;
    this.clickhouse = clickhouse;
    this.properties = properties;
    this.requeued = meters.counter("agp.bookkeeper.requeued");
    this.failed = meters.counter("agp.bookkeeper.failed.lost");
  }

  /** What one round did. */
  public record Report(int requeued, int failed, int killed) {}

  @Override
  public String name() {
    return "rescue";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    int requeuedCount = 0;
    int failedCount = 0;
    int killed = 0;
    List<DeadAttempt> batch;
    do {
      batch = maintenance.requeueDead(properties.batchSize());
      for (DeadAttempt dead : batch) {
        if (dead.status() == ExecutionStatus.FAILED) {
          failedCount++;
        } else {
          requeuedCount++;
        }
        log.info(
            "execution {} attempt {} lost its worker: now {}",
            dead.executionId(),
            dead.attempt(),
            dead.status());
        if (kill(dead)) {
          killed++;
        }
      }
    } while (batch.size() == properties.batchSize());
    requeued.increment(requeuedCount);
    failed.increment(failedCount);
    return new Report(requeuedCount, failedCount, killed);
  }

  private boolean kill(DeadAttempt dead) {
    String queryId = dead.attemptId().clickHouseQueryId();
    Optional<List<ClickHouseClient>> nodes = clickhouse.find(dead.tier());
    if (nodes.isEmpty()) {
      log.warn("tier {} is not configured: cannot kill query {}", dead.tier(), queryId);
      return false;
    }
    // Which of the tier's endpoints ran the dead attempt is not recorded: ask each of them.
    boolean killed = false;
    for (ClickHouseClient node : nodes.get()) {
      try {
        killed |= node.system().kill(queryId);
      } catch (RuntimeException e) {
        // The attempt is requeued either way; its query ends at the tier's max_execution_time.
        log.warn("could not kill ClickHouse query {}", queryId, e);
      }
    }
    return killed;
  }
}
