package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.execution.ExecutionRepository;
import io.agp.results.ResultStore;
import io.agp.tier.TierClickHouse;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The tier pools of this worker process, started with the application and stopped gracefully:
 * claiming stops at once, running executions get the shutdown grace, and whatever still runs after
 * it goes back to PENDING for another worker.
 */
public final class WorkerPools implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkerPools.class);

  private final List<TierPool> pools = new ArrayList<>();
  private final List<ClickHouseClient> clients = new ArrayList<>();
  private final WorkerProperties properties;
  private final MeterRegistry meters;
  private final List<Runnable> beforeStopping = new ArrayList<>();
  private volatile boolean running;

  /** What the pools need besides the configuration. */
  public record Services(
      ExecutionRepository executions, ResultStore results, Clock clock, MeterRegistry meters) {}

  public WorkerPools(WorkerProperties properties, Tiers tiers, Services services) {
    this.properties = properties;
    this.meters = services.meters();
    TierPool.PoolContext context =
        new TierPool.PoolContext(
            properties.workerId(),
            services.executions(),
            services.results(),
            new FailurePolicy(properties.retryBackoff()),
            properties.pollInterval(),
            services.clock(),
            services.meters());
    for (String name : properties.servedTiers(tiers)) {
      TierProperties tier = tiers.get(name);
      List<ClickHouseClient> nodes = tier.newClients();
      clients.addAll(nodes);
      pools.add(new TierPool(name, tier, new TierClickHouse(name, tier, nodes), context));
    }
  }

  public List<TierPool> pools() {
    return List.copyOf(pools);
  }

  /** This worker's id, as it writes it on the executions it claims. */
  public String workerId() {
    return properties.workerId();
  }

  MeterRegistry meters() {
    return meters;
  }

  /** Runs {@code action} as the pools are asked to stop, before they stop claiming. */
  void beforeStopping(Runnable action) {
    beforeStopping.add(action);
  }

  @Override
  public void start() {
    pools.forEach(TierPool::start);
    running = true;
    log.info(
        "worker {} serves tiers {}",
        properties.workerId(),
        pools.stream().map(TierPool::tier).toList());
  }

  @Override
  public void stop() {
    beforeStopping.forEach(Runnable::run);
    pools.forEach(TierPool::stopClaiming);
    long deadline = System.nanoTime() + properties.shutdownGrace().toNanos();
    for (TierPool pool : pools) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!pool.awaitRunning(Duration.ofNanos(left))) {
        pool.requeueAll(Duration.ZERO);
      }
    }
    pools.forEach(TierPool::close);
    clients.forEach(ClickHouseClient::close);
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
