package io.agp.worker.run;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Listens for PostgreSQL notifications on a connection of its own: a new PENDING execution wakes
 * its tier's pool, a cancelled one is stopped at once. Polling stays on regardless, so a lost
 * notification (a dropped connection, a transaction-mode pooler) only costs a poll interval. The
 * connection is checked between waits and opened again when it died.
 */
public final class ExecutionNotifications implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ExecutionNotifications.class);
  static final String PENDING = "agp_execution_pending";
  static final String CANCELED = "agp_execution_canceled";
  private static final Duration WAIT = Duration.ofSeconds(5);
  static final String APPLICATION_NAME = "agp-worker-listener";
  private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

  /** How to reach PostgreSQL: URL, user and password of the application's data source. */
  public record Target(String url, String user, String password) {}

  private final Target target;
  private final Map<String, TierPool> pools;
  private volatile boolean running;
  private Thread thread;

  public ExecutionNotifications(Target target, WorkerPools workerPools) {
    this.target = target;
    this.pools =
        workerPools.pools().stream().collect(Collectors.toMap(TierPool::tier, Function.identity()));
  }

  @Override
  public void start() {
    running = true;
    thread = Thread.ofPlatform().daemon().name("pg-listen").start(this::listen);
  }

  @Override
  public void stop() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
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

  private void listen() {
    while (running) {
      try (Connection connection =
              DriverManager.getConnection(target.url(), connectionProperties());
          Statement statement = connection.createStatement()) {
        statement.execute("LISTEN " + PENDING);
        statement.execute("LISTEN " + CANCELED);
        // Whatever was notified while we were not listening is found by this round of claims.
        pools.values().forEach(TierPool::wake);
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications((int) WAIT.toMillis());
          if (notifications == null || notifications.length == 0) {
            // Nothing for a while: make sure the connection is still alive.
            statement.execute("SELECT 1");
            continue;
          }
          for (PGNotification notification : notifications) {
            dispatch(notification);
          }
        }
      } catch (SQLException e) {
        if (running) {
          log.warn("listening for notifications failed; polling goes on, reconnecting", e);
          pause();
        }
      }
    }
  }

  private Properties connectionProperties() {
    Properties properties = new Properties();
    if (target.user() != null && !target.user().isEmpty()) {
      properties.setProperty("user", target.user());
    }
    if (target.password() != null && !target.password().isEmpty()) {
      properties.setProperty("password", target.password());
    }
    // Names the connection in pg_stat_activity, so an operator can tell the listener apart.
    properties.setProperty("ApplicationName", APPLICATION_NAME);
    return properties;
  }

  private void dispatch(PGNotification notification) {
    switch (notification.getName()) {
      case PENDING -> {
        TierPool pool = pools.get(notification.getParameter());
        if (pool != null) {
          pool.wake();
        }
      }
      case CANCELED -> {
        long id = Long.parseLong(notification.getParameter());
        pools.values().forEach(pool -> pool.cancelled(id));
      }
      default -> log.debug("ignored notification {}", notification.getName());
    }
  }

  private void pause() {
    try {
      Thread.sleep(RECONNECT_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
