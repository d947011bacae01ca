package io.agp.execution;

import io.agp.jdbc.SqlFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends PostgreSQL notifications ({@link Channels}) once the transaction that caused them has
 * committed, in batches, each batch in a transaction of its own.
 *
 * <p>Why not a trigger or a NOTIFY in the changing transaction: a transaction that issues NOTIFY
 * holds a database-wide lock from its pre-commit to its end, WAL flush included, so every notifying
 * transaction commits one after the other. On the development machine (fdatasync ~2.8 ms) 32
 * clients inserting rows committed ~410 per second with a NOTIFY in each transaction and ~2,400
 * without. Here the changes commit side by side, and one notifying transaction at a time carries
 * every notification queued while the previous one ran; the same notification queued twice
 * meanwhile goes once, and the new PENDING executions of a tier go as one notification that counts
 * them, for the workers to share out. A notification lost anyway (a crash in between, a pooler in
 * transaction mode) costs its listeners their safety poll.
 */
public final class Notifier {

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  private static final String NOTIFY = SqlFile.load("execution/notify");

  private record Notification(String channel, String payload) {}

  /** A change for the listeners of this process, with its committed row if the app had it. */
  private record Handed(Notification notification, Execution row) {}

  private final JdbcClient jdbc;
  private final Set<Notification> queued = new LinkedHashSet<>();
  // Guarded by queued: new PENDING executions per tier, not yet announced.
  private final Map<String, Integer> pending = new LinkedHashMap<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  // Guarded by queued: the changes committed and not yet handed to the listeners of this process,
  // in order, each with the row its statement returned (or none).
  private final List<Handed> changes = new ArrayList<>();
  // Held while changes are handed over, so that they reach the listeners in the order queued.
  private final Object handing = new Object();
  // Guarded by queued: queued changes handed over in this process, whose copy from PostgreSQL the
  // listeners here are to drop once it goes out (a change queued twice goes out once).
  private final Set<Notification> handedHere = new HashSet<>();
  // The database's name for LocalNotifications, read once it can be; null until then.
  private volatile String database;

  /**
   * The sender: a platform thread of its own, kept while it has work and for a while after, not a
   * virtual thread, which waits behind every busy virtual thread of the process (an API's requests,
   * a worker's attempts) for a carrier: under load that held notifications back by seconds.
   */
  private final ExecutorService sender =
      new ThreadPoolExecutor(
          0,
          1,
          1,
          TimeUnit.MINUTES,
          new LinkedBlockingQueue<>(),
          Thread.ofPlatform().name("agp-notify").daemon().factory());

  public Notifier(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Notifies once the current transaction commits, or now when there is none. */
  public void afterCommit(String channel, String payload) {
    Notification notification = new Notification(channel, payload);
    afterCommit(() -> queue(notification, null));
  }

  /** Announces a new PENDING execution of a tier to its workers once the transaction commits. */
  public void pending(String tier) {
    afterCommit(
        () -> {
          synchronized (queued) {
            pending.merge(tier, 1, Integer::sum);
          }
        });
  }

  /**
   * Queues a notification once the current transaction commits, or now when there is none. A
   * transaction's notifications are queued together, so that they go in one batch: the new
   * executions of one transaction make one PENDING notification that counts them.
   */
  private void afterCommit(Runnable enqueue) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      enqueue.run();
      signal();
      return;
    }
    @SuppressWarnings("unchecked")
    List<Runnable> inTransaction =
        (List<Runnable>) TransactionSynchronizationManager.getResource(this);
    if (inTransaction == null) {
      List<Runnable> queuedAtCommit = new ArrayList<>();
      inTransaction = queuedAtCommit;
      TransactionSynchronizationManager.bindResource(this, queuedAtCommit);
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              queuedAtCommit.forEach(Runnable::run);
              signal();
            }

            @Override
            public void afterCompletion(int status) {
              TransactionSynchronizationManager.unbindResourceIfPossible(Notifier.this);
            }
          });
    }
    inTransaction.add(enqueue);
  }

  /**
   * Hands notifications to the listeners of this database in the process ({@link
   * LocalNotifications}): they need not wait for PostgreSQL. While the database has no name (it
   * could not be read), nothing is handed here, and PostgreSQL brings them.
   */
  private void deliverHere(List<Handed> batch, boolean copyToDrop) {
    String named = database;
    if (named != null) {
      batch.forEach(
          h ->
              LocalNotifications.deliver(
                  named,
                  h.notification().channel(),
                  h.notification().payload(),
                  h.row(),
                  copyToDrop));
    }
  }

  /** Names the database for {@link #deliverHere}, once. */
  private void nameDatabase() {
    if (database == null) {
      try {
        database = jdbc.sql(LocalNotifications.IDENTITY).query(String.class).single();
      } catch (RuntimeException e) {
        // The notifications themselves will fail as well; the next batch tries again.
        log.debug("could not name the database: {}", e.toString());
      }
    }
  }

  /** A batch's step for each execution it names; a tier's new executions are named by none. */
  private static void markSent(List<Notification> batch) {
    for (Notification notification : batch) {
      long id =
          notification.channel().equals(Channels.CHANGED)
              ? Channels.changedExecution(notification.payload()).orElse(0L)
              : 0;
      ExecutionHop.mark(
          id,
          ExecutionHop.Step.NOTIFIED,
          id == 0 ? notification.payload() : notification.channel());
    }
  }

  /** That an execution changed status or progress, for the API instances' waiters. */
  public void changed(long executionId, ExecutionStatus status) {
    changed(executionId, status, null);
  }

  /**
   * The same, with the execution's row as the change committed it, which the listeners of this
   * process get along (an API of the process then need not read it).
   */
  public void changed(long executionId, ExecutionStatus status, Execution row) {
    Notification notification =
        new Notification(Channels.CHANGED, Channels.changed(executionId, status));
    afterCommit(() -> queue(notification, row));
  }

  /** Queues a notification for PostgreSQL, and a change also for the listeners of this process. */
  private void queue(Notification notification, Execution row) {
    synchronized (queued) {
      queued.add(notification);
      if (notification.channel().equals(Channels.CHANGED)) {
        changes.add(new Handed(notification, row));
      }
    }
  }

  private void signal() {
    handChangesOver();
    if (sending.compareAndSet(false, true)) {
      sender.execute(this::send);
    }
  }

  /**
   * Hands the changes committed to the listeners of this process on the committing thread, as soon
   * as they commit: a waiting request of an API beside the app is answered with no thread woken in
   * between. The listeners only schedule what they do with them. Other notifications (new
   * executions, cancels) go to them from the sender, as they may start work of their own.
   */
  private void handChangesOver() {
    nameDatabase();
    synchronized (handing) {
      List<Handed> batch;
      synchronized (queued) {
        if (changes.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(changes);
        changes.clear();
        if (database == null) {
          // Not handed here: PostgreSQL brings them.
          return;
        }
        // A change the sender has taken already goes out without its copy announced: the
        // listeners here then hear it twice, which costs a read, and nothing is left behind.
        for (Handed handed : batch) {
          if (queued.contains(handed.notification())) {
            handedHere.add(handed.notification());
          }
        }
      }
      if (ExecutionHop.recording()) {
        markSent(batch.stream().map(Handed::notification).toList());
      }
      deliverHere(batch, false);
    }
  }

  /** Sends until nothing is queued; only one sender runs at a time. */
  private void send() {
    while (true) {
      List<Notification> batch;
      List<Notification> handedCopies = new ArrayList<>();
      synchronized (queued) {
        batch = new ArrayList<>(queued);
        queued.clear();
        for (Notification notification : batch) {
          if (handedHere.remove(notification)) {
            handedCopies.add(notification);
          }
        }
        pending.forEach(
            (tier, count) ->
                batch.add(
                    new Notification(
                        Channels.PENDING,
                        Channels.pending(
                            tier, count, ThreadLocalRandom.current().nextInt(1 << 30)))));
        pending.clear();
      }
      if (batch.isEmpty()) {
        sending.set(false);
        // A signal that came between the copy and the reset found the flag still set.
        synchronized (queued) {
          if (queued.isEmpty() && pending.isEmpty()) {
            return;
          }
        }
        if (!sending.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      // Changes went to this process's listeners when they committed.
      nameDatabase();
      List<Handed> here =
          batch.stream()
              .filter(n -> !n.channel().equals(Channels.CHANGED))
              .map(n -> new Handed(n, null))
              .toList();
      if (ExecutionHop.recording()) {
        markSent(here.stream().map(Handed::notification).toList());
      }
      deliverHere(here, true);
      String named = database;
      if (named != null) {
        handedCopies.forEach(n -> LocalNotifications.copyToCome(named, n.channel(), n.payload()));
      }
      try {
        jdbc.sql(NOTIFY)
            .param("channels", batch.stream().map(Notification::channel).toArray(String[]::new))
            .param("payloads", batch.stream().map(Notification::payload).toArray(String[]::new))
            .query()
            .listOfRows();
      } catch (RuntimeException e) {
        // The listeners' polling finds these changes; nothing is lost but some milliseconds.
        log.warn("could not send {} notifications: {}", batch.size(), e.getMessage());
      }
    }
  }
}
