package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.execution.Channels;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionHop;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NotificationListener;
import io.agp.schedule.PeriodicJob;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The requests of this API instance that wait for an execution to change (a {@code wait}, a live
 * event stream), woken by PostgreSQL notifications ({@link Channels#CHANGED}, on one connection per
 * instance): a notification about an execution somebody watches makes one read of its row, whatever
 * the number of watchers, unless an app of this process handed the row along with it. A slow safety
 * poll reads every watched execution now and then (one statement for all), for a notification that
 * was lost.
 *
 * <p>Watchers are held in memory, at most {@code agp.api.max-watchers} per instance: beyond that a
 * wait is refused with 429 rather than piling up.
 */
@Component
class ExecutionChanges implements SmartLifecycle, NotificationListener.Handler, PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(ExecutionChanges.class);
  static final String APPLICATION_NAME = "agp-api-listener";

  /** Watched executions read by one statement of the safety poll. */
  private static final int POLL_BATCH = 1000;

  /** Change notifications remembered for {@link #notifiedSince}: a power of two. */
  private static final int RECENT = 1024;

  /** Something that waits for an execution to change. */
  interface Watcher {

    /**
     * The execution as it is now (maybe unchanged since the last call).
     *
     * @return true when the watcher has seen enough and is to be removed
     */
    boolean changed(Execution now);

    /**
     * Whether a change to this status is worth a read of the row for this watcher: a notification
     * that no watcher of its execution wants is not read.
     */
    default boolean wants(ExecutionStatus status) {
      return true;
    }

    /**
     * Whether {@link #changed} returns at once, whatever the client does (a wait completes a
     * future; an event stream writes to its client): a row handed along goes to watchers that all
     * are on the thread that hands it, without a thread of its own to wake.
     */
    default boolean quick() {
      return false;
    }
  }

  /**
   * The point a caller's read of an execution stands at in this instance's notifications, taken
   * before that read: {@link #notifiedSince} then tells whether a change of the execution may have
   * been notified between the read and the caller's registration, when nobody watched it yet.
   */
  record Mark(long sequence) {}

  /** A watcher's place in the registry; closing it removes the watcher. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private final ExecutionRepository executions;
  private final ApiProperties properties;
  private final NotificationListener listener;
  private final Map<Long, Set<Watcher>> watchers = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  // Executions with a read scheduled and not started yet: one read serves a burst of notifications.
  private final Set<Long> scheduled = ConcurrentHashMap.newKeySet();
  private final ExecutorService reads = Executors.newVirtualThreadPerTaskExecutor();
  // The executions of the latest RECENT change notifications, by sequence number modulo RECENT.
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLongArray recent = new AtomicLongArray(RECENT);
  private volatile boolean running;

  ExecutionChanges(
      ExecutionRepository executions,
      ApiProperties properties,
      NotificationListener.Target database,
      MeterRegistry meters) {
    this.executions = executions;
    this.properties = properties;
    Gauge.builder("agp.api.watchers", count, AtomicInteger::get)
        .description("Requests of this API instance waiting for an execution to change")
        .register(meters);
    this.listener =
        new NotificationListener(database, APPLICATION_NAME, List.of(Channels.CHANGED), this);
  }

  /**
   * Watches an execution until the watcher says it has seen enough or the registration is closed.
   *
   * @throws TooManyWatchersException when this instance already holds the most watchers it may
   */
  Registration watch(long executionId, Watcher watcher) {
    if (count.incrementAndGet() > properties.maxWatchers()) {
      count.decrementAndGet();
      throw new TooManyWatchersException(properties.maxWatchers());
    }
    watchers.computeIfAbsent(executionId, id -> ConcurrentHashMap.newKeySet()).add(watcher);
    return () -> remove(executionId, watcher);
  }

  /** Where this instance's notifications stand now; see {@link Mark}. */
  Mark mark() {
    return new Mark(notifications.get());
  }

  /**
   * Whether a change of the execution may have been notified to this instance since the mark: true
   * if one was, or if more changes were notified since than this instance remembers. A caller that
   * registered a watcher after reading the execution reads it again only then: a change notified
   * after the registration reaches the watcher, and one lost reaches it by the safety poll.
   */
  boolean notifiedSince(Mark mark, long executionId) {
    long now = notifications.get();
    if (now - mark.sequence() > RECENT) {
      return true;
    }
    for (long sequence = mark.sequence(); sequence < now; sequence++) {
      if (recent.get((int) (sequence & (RECENT - 1))) == executionId) {
        return true;
      }
    }
    return false;
  }

  // Remembered before the watchers are looked up, while a registering caller registers before it
  // looks at what is remembered: each sees the other's step, so no change slips between the two.
  private void remember(long executionId) {
    long sequence = notifications.getAndIncrement();
    recent.set((int) (sequence & (RECENT - 1)), executionId);
  }

  /** Watchers this instance holds now. */
  int watching() {
    return count.get();
  }

  /** Whether a request of this instance watches the execution now. */
  boolean watches(long executionId) {
    return watchers.containsKey(executionId);
  }

  private void remove(long executionId, Watcher watcher) {
    boolean[] removed = {false};
    watchers.computeIfPresent(
        executionId,
        (id, set) -> {
          removed[0] = set.remove(watcher);
          return set.isEmpty() ? null : set;
        });
    if (removed[0]) {
      count.decrementAndGet();
    }
  }

  @Override
  public void notified(String channel, String payload) {
    Optional<Long> changed = Channels.changedExecution(payload);
    if (changed.isEmpty()) {
      return;
    }
    long id = changed.get();
    remember(id);
    Set<Watcher> set = watchers.get(id);
    if (set == null) {
      return;
    }
    Optional<ExecutionStatus> status = Channels.changedStatus(payload);
    if (status.isPresent() && set.stream().noneMatch(watcher -> watcher.wants(status.get()))) {
      return;
    }
    ExecutionHop.mark(id, ExecutionHop.Step.API_WOKEN);
    if (scheduled.add(id)) {
      reads.submit(() -> read(id));
    }
  }

  /**
   * A change of an app of this process that came with the row it committed: the watchers get that
   * row, with no read.
   */
  @Override
  public void notified(String channel, String payload, Execution row) {
    if (row == null) {
      notified(channel, payload);
      return;
    }
    remember(row.id());
    Set<Watcher> set = watchers.get(row.id());
    if (set == null) {
      return;
    }
    ExecutionHop.mark(row.id(), ExecutionHop.Step.API_WOKEN);
    if (set.stream().allMatch(Watcher::quick)) {
      ExecutionHop.mark(row.id(), ExecutionHop.Step.API_READ);
      deliver(row);
      return;
    }
    reads.submit(
        () -> {
          ExecutionHop.mark(row.id(), ExecutionHop.Step.API_READ);
          deliver(row);
        });
  }

  @Override
  public void listening() {
    // Changes notified while nobody listened: look at every watched execution now.
    reads.submit(this::runOnce);
  }

  private void read(long id) {
    // Removed before the read: a notification arriving during it schedules another.
    scheduled.remove(id);
    try {
      executions
          .get(id)
          .ifPresent(
              now -> {
                ExecutionHop.mark(id, ExecutionHop.Step.API_READ);
                deliver(now);
              });
    } catch (RuntimeException e) {
      log.warn("could not read execution {} for its watchers: {}", id, e.toString());
    }
  }

  private void deliver(Execution now) {
    Set<Watcher> set = watchers.get(now.id());
    if (set == null) {
      return;
    }
    for (Watcher watcher : set) {
      boolean done;
      try {
        done = watcher.changed(now);
      } catch (RuntimeException e) {
        log.warn("a watcher of execution {} failed", now.id(), e);
        done = true;
      }
      if (done) {
        remove(now.id(), watcher);
      }
    }
  }

  @Override
  public String name() {
    return "wait-safety-poll";
  }

  @Override
  public Duration interval() {
    return properties.waitSafetyPoll();
  }

  /**
   * The safety poll: every watched execution, in a few statements.
   *
   * @return how many executions it read
   */
  @Override
  public Integer runOnce() {
    List<Long> ids = new ArrayList<>(watchers.keySet());
    for (int from = 0; from < ids.size(); from += POLL_BATCH) {
      List<Long> batch = ids.subList(from, Math.min(ids.size(), from + POLL_BATCH));
      try {
        executions.getMany(batch).forEach(this::deliver);
      } catch (RuntimeException e) {
        log.warn("the safety poll of {} watched executions failed: {}", batch.size(), e.toString());
      }
    }
    return ids.size();
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
    reads.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
