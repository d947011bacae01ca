package io.agp.worker.run;

import io.agp.execution.Channels;
import io.agp.execution.ExecutionHop;
import io.agp.execution.NotificationListener;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The worker's notifications: new PENDING executions wake its tier's pool for its share of them
 * ({@link WorkerFleet}), a canceled one is stopped at once, a worker joining or leaving makes the
 * fleet read again. Polling stays on regardless, so a lost notification (a dropped connection, a
 * transaction-mode pooler) only costs a poll interval.
 */
public final class ExecutionNotifications implements SmartLifecycle, NotificationListener.Handler {

  private static final Logger log = LoggerFactory.getLogger(ExecutionNotifications.class);
  static final String APPLICATION_NAME = "agp-worker-listener";

  private final NotificationListener listener;
  private final Map<String, TierPool> pools;
  private final WorkerFleet fleet;
  private volatile boolean running;

  /**
   * @param jdbc the worker's database, for the fleet's reads
   */
  public ExecutionNotifications(
      NotificationListener.Target target, WorkerPools workerPools, JdbcClient jdbc) {
    this.pools =
        workerPools.pools().stream().collect(Collectors.toMap(TierPool::tier, Function.identity()));
    this.fleet =
        new WorkerFleet(
            jdbc, workerPools.workerId(), List.copyOf(pools.keySet()), workerPools.meters());
    // Out of the fleet before the pools stop claiming: nothing is dealt to a worker that drains.
    workerPools.beforeStopping(fleet::leave);
    this.listener =
        new NotificationListener(
            target,
            APPLICATION_NAME,
            List.of(Channels.PENDING, Channels.CANCELED, Channels.WORKERS),
            this);
  }

  @Override
  public void start() {
    running = true;
    fleet.start();
    listener.start();
  }

  @Override
  public void stop() {
    running = false;
    listener.close();
    fleet.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Starts before the pools and stops after them, so that no wake-up is missed. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 1;
  }

  /** The listener sessions of a tier's workers as this worker last read them, by pid. */
  int[] fleetView(String tier) {
    return fleet.listeners(tier);
  }

  @Override
  public void connected(Connection connection) {
    fleet.register(connection);
  }

  @Override
  public void listening() {
    // Whatever was notified while we were not listening is found by this round of claims.
    pools.values().forEach(TierPool::wakeAll);
  }

  @Override
  public void notified(String channel, String payload) {
    switch (channel) {
      case Channels.PENDING -> pending(Channels.pendingWake(payload));
      case Channels.CANCELED -> {
        long id = Long.parseLong(payload);
        pools.values().forEach(pool -> pool.canceled(id));
      }
      case Channels.WORKERS -> fleet.readSoon();
      default -> log.debug("ignored notification {}", channel);
    }
  }

  private void pending(Channels.PendingWake wake) {
    ExecutionHop.mark(0, ExecutionHop.Step.WORKER_WOKEN, wake.tier());
    TierPool pool = pools.get(wake.tier());
    if (pool == null) {
      return;
    }
    int share = fleet.share(wake);
    if (share == WorkerFleet.EVERY_FREE_SLOT) {
      pool.wakeAll();
    } else {
      pool.wake(share, wake.count());
    }
  }
}
