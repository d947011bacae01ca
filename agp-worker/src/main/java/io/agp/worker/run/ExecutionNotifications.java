package io.agp.worker.run;

import io.agp.execution.Channels;
import io.agp.execution.NotificationListener;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The worker's notifications: a new PENDING execution wakes its tier's pool, a canceled one is
 * stopped at once. Polling stays on regardless, so a lost notification (a dropped connection, a
 * transaction-mode pooler) only costs a poll interval.
 */
public final class ExecutionNotifications implements SmartLifecycle, NotificationListener.Handler {

  private static final Logger log = LoggerFactory.getLogger(ExecutionNotifications.class);
  static final String APPLICATION_NAME = "agp-worker-listener";

  private final NotificationListener listener;
  private final Map<String, TierPool> pools;
  private volatile boolean running;

  public ExecutionNotifications(NotificationListener.Target target, WorkerPools workerPools) {
    this.pools =
        workerPools.pools().stream().collect(Collectors.toMap(TierPool::tier, Function.identity()));
    this.listener =
        new NotificationListener(
            target, APPLICATION_NAME, List.of(Channels.PENDING, Channels.CANCELED), this);
  }

  @Override
  public void start() {
    running = true;
    listener.start();
  }

  @Override
  public void stop() {
    running = false;
    listener.close();
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

  @Override
  public void listening() {
    // Whatever was notified while we were not listening is found by this round of claims.
    pools.values().forEach(TierPool::wake);
  }

  @Override
  public void notified(String channel, String payload) {
    switch (channel) {
      case Channels.PENDING -> {
        TierPool pool = pools.get(payload);
        if (pool != null) {
          pool.wake();
        }
      }
      case Channels.CANCELED -> {
        long id = Long.parseLong(payload);
        pools.values().forEach(pool -> pool.canceled(id));
      }
      default -> log.debug("ignored notification {}", channel);
    }
  }
}
