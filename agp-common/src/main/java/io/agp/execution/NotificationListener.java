package io.agp.execution;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs to some {@link Channels} on a PostgreSQL connection of its own (one per process, named in
 * {@code pg_stat_activity}) and hands each notification to a handler. The connection is checked
 * between waits and opened again when it died; the handler hears of each (re)connection, since
 * whatever was notified while nobody listened is lost, and of a notification it could not handle
 * only in the log: the listener goes on.
 */
public final class NotificationListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);

  /** How long the listener waits for a notification before it checks its connection. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

  private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

  /** How to reach PostgreSQL: URL, user and password of the application's data source. */
  public record Target(String url, String user, String password) {}

  /** What the listener tells. */
  public interface Handler {

    /** A notification arrived; called on the listener's thread, so keep it short. */
    void notified(String channel, String payload);

    /**
     * The listener's connection is open and listening, before {@link #listening()}: for a handler
     * that registers the session. It must not keep the connection nor leave a transaction open.
     */
    default void connected(Connection connection) {}

    /** The listener is listening (again): notifications sent before may have been missed. */
    void listening();

    /**
     * The listener's connection failed or was found dead (no answer to its check within six check
     * intervals); it connects again after a pause.
     */
    default void lost(Exception cause) {}
  }

  private final Target target;
  private final String applicationName;
  private final List<String> channels;
  private final Handler handler;
  private final Duration check;
  private volatile boolean running;
  private Thread thread;

  public NotificationListener(
      Target target, String applicationName, List<String> channels, Handler handler) {
    this(target, applicationName, channels, handler, CHECK_INTERVAL);
  }

  /**
   * @param check how long to wait for a notification before checking the connection; a check that
   *     gets no answer within six of these ends the connection
   */
  public NotificationListener(
      Target target,
      String applicationName,
      List<String> channels,
      Handler handler,
      Duration check) {
    this.target = target;
    this.applicationName = applicationName;
    this.channels = List.copyOf(channels);
    this.handler = handler;
    this.check = check;
  }

  public void start() {
    running = true;
    thread = Thread.ofPlatform().daemon().name("pg-listen").start(this::listen);
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
  }

  private void listen() {
    while (running) {
      try (Connection connection =
              DriverManager.getConnection(target.url(), connectionProperties());
          Statement statement = connection.createStatement()) {
        for (String channel : channels) {
          statement.execute("LISTEN " + channel);
        }
        handler.connected(connection);
        handler.listening();
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications((int) check.toMillis());
          if (notifications == null || notifications.length == 0) {
            // Nothing for a while: make sure the connection is still alive.
            statement.execute("SELECT 1");
            continue;
          }
          for (PGNotification notification : notifications) {
            dispatch(notification);
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("listening for notifications failed; polling goes on, reconnecting", e);
          lost(e);
          pause();
        }
      }
    }
  }

  private void lost(Exception cause) {
    try {
      handler.lost(cause);
    } catch (RuntimeException e) {
      log.warn("the handler of a lost connection failed", e);
    }
  }

  private void dispatch(PGNotification notification) {
    try {
      handler.notified(notification.getName(), notification.getParameter());
    } catch (RuntimeException e) {
      log.warn(
          "could not handle notification {} '{}'",
          notification.getName(),
          notification.getParameter(),
          e);
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
    properties.setProperty("ApplicationName", applicationName);
    // A connection that died without a reset (a firewall, a failover) is noticed: no wait on it
    // is longer than the check interval, so a read that takes six times as long means it is gone.
    properties.setProperty(
        "socketTimeout", Long.toString(Math.max(1, check.multipliedBy(6).toSeconds())));
    properties.setProperty("tcpKeepAlive", "true");
    return properties;
  }

  private void pause() {
    try {
      Thread.sleep(RECONNECT_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
