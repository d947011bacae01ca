package io.agp.execution;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notifications between the apps of one process that share a database (the local mode runs the API,
 * a worker and the bookkeeper in one JVM): a {@link Notifier} hands each change of an execution to
 * the listeners of the same database in the process on the thread that committed it, and other
 * notifications just before it sends them to PostgreSQL, so that they hear of it without waiting
 * for the database's round trip and their own wake-up. The PostgreSQL notification still goes out,
 * for the apps of other processes; a listener that had the batch here drops its copy when it
 * arrives (see {@link NotificationListener}). A change whose statement returned the execution's row
 * hands the row along, so that an API of the process need not read it again.
 *
 * <p>A database is known by what the server says of itself (its database name, port and start time:
 * {@link #IDENTITY}), so two apps reaching one database by different URLs (a pooler for statements,
 * the server itself for the listener) still find each other, and two databases on one server or two
 * servers on one machine are never taken for one.
 */
public final class LocalNotifications {

  /** The statement that names a database, the same for every connection to it. */
  public static final String IDENTITY =
      "select current_database() || '|' || coalesce(inet_server_port(), 0) || '|'"
          + " || pg_postmaster_start_time()";

  private static final Map<String, Set<NotificationListener>> LISTENERS = new ConcurrentHashMap<>();

  private LocalNotifications() {}

  /** A listener listens on a connection to the database so named. */
  static void join(String database, NotificationListener listener) {
    LISTENERS.computeIfAbsent(database, d -> ConcurrentHashMap.newKeySet()).add(listener);
  }

  /** The listener no longer listens (its connection is lost, or it is closed). */
  static void leave(String database, NotificationListener listener) {
    LISTENERS.computeIfPresent(
        database,
        (d, listeners) -> {
          listeners.remove(listener);
          return listeners.isEmpty() ? null : listeners;
        });
  }

  /**
   * Hands a notification to the listeners of the database in this process, with the row the change
   * committed, if the app has it (else null).
   *
   * @param copyToDrop whether the listeners drop its copy from PostgreSQL; if not, the notifier
   *     tells them of each copy it sends ({@link #copyToCome})
   */
  static void deliver(
      String database, String channel, String payload, Execution row, boolean copyToDrop) {
    Set<NotificationListener> listeners = LISTENERS.get(database);
    if (listeners != null) {
      for (NotificationListener listener : listeners) {
        listener.deliveredHere(channel, payload, row, copyToDrop);
      }
    }
  }

  /**
   * A copy of a notification delivered here goes to PostgreSQL now: the listeners of this process
   * drop it when it comes.
   */
  static void copyToCome(String database, String channel, String payload) {
    Set<NotificationListener> listeners = LISTENERS.get(database);
    if (listeners != null) {
      for (NotificationListener listener : listeners) {
        listener.copyToCome(channel, payload);
      }
    }
  }
}
