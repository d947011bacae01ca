package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.UserLimits;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The {@code wait} long-poll of create and get. Requests run on virtual threads, so a waiting
 * request costs no platform thread; it holds no database connection either: it is woken by the
 * notification of a change ({@link ExecutionChanges}), and reads the row once when it starts
 * waiting. An execution that has ended answers at once, since nothing can change any more.
 */
@Component
class ExecutionWaiter {

  private final ExecutionRepository executions;
  private final ExecutionChanges changes;
  private final ApiProperties properties;
  private final UserLimits limits;

  ExecutionWaiter(
      ExecutionRepository executions,
      ExecutionChanges changes,
      ApiProperties properties,
      UserLimits limits) {
    this.executions = executions;
    this.changes = changes;
    this.properties = properties;
    this.limits = limits;
  }

  /** Checks a {@code wait} parameter: null or 0 to 60 s (or the configured maximum). */
  Duration check(Integer seconds) {
    if (seconds == null) {
      return Duration.ZERO;
    }
    if (seconds < 0 || seconds > properties.maxWait().toSeconds()) {
      throw new InvalidRequestException(
          "wait", "wait must be between 0 and " + properties.maxWait().toSeconds() + " seconds");
    }
    return Duration.ofSeconds(seconds);
  }

  /** Where the notifications stand before a read whose execution {@link #untilEnded} waits for. */
  ExecutionChanges.Mark mark() {
    return changes.mark();
  }

  /**
   * Waits until the execution has ended, or the time is up; returns its state then. Notifications
   * of a change to a status that has not ended make no read for this wait.
   *
   * @param start the execution as the caller read it
   * @param mark {@link #mark()}, taken before that read: the execution is read again after the
   *     watch starts only if a change of it may have been notified in between
   * @param user who waits: each user may hold {@code agp.api.per-user.waits} waits at once
   */
  Execution untilEnded(Execution start, ExecutionChanges.Mark mark, String user, Duration wait) {
    if (wait.isZero() || start.status().isTerminal()) {
      return start;
    }
    CompletableFuture<Execution> ended = new CompletableFuture<>();
    Execution[] latest = {start};
    ExecutionChanges.Watcher watcher =
        new ExecutionChanges.Watcher() {
          @Override
          public boolean changed(Execution now) {
            synchronized (latest) {
              latest[0] = now;
            }
            return now.status().isTerminal() && ended.complete(now);
          }

          @Override
          public boolean wants(ExecutionStatus status) {
            return status.isTerminal();
          }

          @Override
          public boolean quick() {
            return true;
          }
        };
    try (UserLimits.Lease lease = limits.open(UserLimits.Kind.WAITS, user);
        ExecutionChanges.Registration registration = changes.watch(start.id(), watcher)) {
      executions.watch(start);
      if (changes.notifiedSince(mark, start.id())) {
        // A change between the caller's read and the registration was notified to nobody.
        executions.get(start.id()).ifPresent(watcher::changed);
      }
      return await(ended, wait, latest);
    }
  }

  /**
   * Reads an execution and, with a wait, waits until its status or progress changes or the time is
   * up; returns its state then. An ended execution is returned at once. The watch starts (and the
   * execution is marked watched) before the read, so that the one read serves both: no change
   * between them goes unnoticed.
   *
   * @param viewer who reads: the execution is marked watched only if they may see it
   * @param user who waits: each user may hold {@code agp.api.per-user.waits} waits at once
   * @param read reads the execution as the caller may see it (throws when they may not)
   * @param held whether the client already holds the first read's state (it sent that state's
   *     ETag): only then is a change waited for; else the first read is the answer at once
   */
  Execution readUntilChanged(
      long id,
      String viewer,
      String user,
      Supplier<Execution> read,
      Duration wait,
      Predicate<Execution> held) {
    if (wait.isZero()) {
      return read.get();
    }
    CompletableFuture<Execution> changed = new CompletableFuture<>();
    Execution[] start = {null};
    ExecutionChanges.Watcher watcher =
        new ExecutionChanges.Watcher() {
          @Override
          public boolean changed(Execution now) {
            synchronized (start) {
              if (start[0] == null) {
                // Before the first read: that read will see this state or a newer one.
                return false;
              }
              if (!hasChanged(start[0], now)) {
                return false;
              }
            }
            return changed.complete(now);
          }

          @Override
          public boolean quick() {
            return true;
          }
        };
    try (UserLimits.Lease lease = limits.open(UserLimits.Kind.WAITS, user);
        ExecutionChanges.Registration registration = changes.watch(id, watcher)) {
      executions.watch(id, viewer);
      Execution first = read.get();
      synchronized (start) {
        start[0] = first;
      }
      if (!held.test(first) || first.status().isTerminal()) {
        return first;
      }
      // Nothing changed since the read by the time it is up: the read's state is the answer.
      return await(changed, wait, start);
    }
  }

  /**
   * The execution the future completes with, or when the time is up (or the thread is interrupted)
   * the one last seen, guarded by its array.
   */
  private static Execution await(
      CompletableFuture<Execution> future, Duration wait, Execution[] lastSeen) {
    try {
      return future.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      synchronized (lastSeen) {
        return lastSeen[0];
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (lastSeen) {
        return lastSeen[0];
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a watcher cannot fail a wait", e);
    }
  }

  private static boolean hasChanged(Execution first, Execution now) {
    return now.status().isTerminal()
        || first.status() != now.status()
        || !Objects.equals(first.progress(), now.progress());
  }
}
