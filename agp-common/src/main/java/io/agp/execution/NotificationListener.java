package io.agp.execution;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** Copies awaited from PostgreSQL at most; more means they stopped coming, and all are let in. */
  private static final int MAX_HEARD_HERE = 10_000;

  /** How to reach PostgreSQL: URL, user and password of the application's data source. */
  public record Target(String url, String user, String password) {}

  /** What the listener tells. */
  public interface Handler {

    /** A notification arrived; called on the listener's thread, so keep it short. */
    void notified(String channel, String payload);

    /**
     * A notification, with the execution's row as the change that caused it committed it when an
     * app of this process handed it along (else null: from PostgreSQL, or no row at hand): a
     * handler that would read the row may take it instead. Called on the listener's thread, the
     * sender's, or (for a change of an execution) the thread that committed it, so keep it short;
     * by default, {@link #notified(String, String)}.
     */
    default void notified(String channel, String payload, Execution row) {
      notified(channel, payload);
    }

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
  // The database this listener listens to, while it does: see LocalNotifications.
  private volatile String database;
  // Notifications handed over in this process and not yet heard from PostgreSQL: each copy that
  // arrives later is dropped once. Bounded, should copies never come (a failed send).
  private final Map<String, Integer> heardHere = new HashMap<>();

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
    leave();
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
        join(statement);
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications((int) check.toMillis());
          if (notifications == null || notifications.length == 0) {
            // Nothing for a while: make sure the connection is still alive.
            statement.execute("SELECT 1");
            continue;
          }
          for (PGNotification notification : notifications) {
            if (!heardBefore(notification.getName(), notification.getParameter())) {
              dispatch(notification.getName(), notification.getParameter(), null);
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        leave();
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

  /** Hands a notification to the handler, with the row of its change when one came along. */
  private void dispatch(String channel, String payload, Execution row) {
    try {
      handler.notified(channel, payload, row);
    } catch (RuntimeException e) {
      log.warn("could not handle notification {} '{}'", channel, payload, e);
    }
  }

  /** Joins the listeners of this database in the process, once it listens on the connection. */
  private void join(Statement statement) {
    try (ResultSet identity = statement.executeQuery(LocalNotifications.IDENTITY)) {
      identity.next();
      database = identity.getString(1);
      LocalNotifications.join(database, this);
    } catch (SQLException e) {
      // Then only PostgreSQL's notifications reach this listener, a little later.
      log.warn("listening without this process's own notifications: {}", e.toString());
    }
  }

  private void leave() {
    String left = database;
    database = null;
    if (left != null) {
      LocalNotifications.leave(left, this);
    }
    synchronized (heardHere) {
      heardHere.clear();
    }
  }

  /**
   * A notification from an app of this process ({@link LocalNotifications}), before PostgreSQL
   * sends it, with the row of the change when the app had it: handled now, on the caller's thread.
   *
   * @param copyToDrop whether its copy from PostgreSQL is to be dropped; if not, the notifier
   *     announces each copy to drop as it sends it ({@link #copyToCome})
   */
  void deliveredHere(String channel, String payload, Execution row, boolean copyToDrop) {
    if (!channels.contains(channel) || database == null) {
      return;
    }
    if (copyToDrop) {
      copyToCome(channel, payload);
    }
    dispatch(channel, payload, row);
  }

  /**
   * A copy from PostgreSQL of a notification handed over in this process, to drop when it comes.
   */
  void copyToCome(String channel, String payload) {
    if (!channels.contains(channel) || database == null) {
      return;
    }
    synchronized (heardHere) {
      if (heardHere.size() >= MAX_HEARD_HERE) {
        heardHere.clear();
      }
      heardHere.merge(channel + '\n' + payload, 1, Integer::sum);
    }
  }

  /** Whether a notification from PostgreSQL was handled already, as handed over in the process. */
  private boolean heardBefore(String channel, String payload) {
    synchronized (heardHere) {
      String key = channel + '\n' + payload;
      Integer count = heardHere.get(key);
      if (count == null) {
        return false;
      }
      if (count == 1) {
        heardHere.remove(key);
      } else {
        heardHere.put(key, count - 1);
      }
      return true;
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
