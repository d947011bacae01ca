package io.agp.api.execution;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.agp.api.ApiProperties;
import io.agp.api.auth.Caller;
import io.agp.execution.Callback;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.view.ExecutionView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Settled executions, kept in memory by each API instance so that polling one costs no statement.
 *
 * <p>An execution is settled when it SUCCEEDED and its callback and query figures are final: from
 * then on nothing writes its row until the bookkeeper marks it EXPIRED, which it does only once the
 * row's {@code expires_at} has passed by the database's clock (no other statement touches an ended
 * row; see the bookkeeper's {@code expire_results.sql}). A copy of the row is therefore exact until
 * then, and no notification is needed to keep it so. A copy is served only until {@code
 * agp.api.settled-cache.expiry-margin} before that instant by this instance's clock, a margin that
 * covers the difference between the two clocks; from then on the row is read again, and a copy is
 * never made of an execution within its margin. FAILED and CANCELED executions are not kept: they
 * expire after the bookkeeper's retention, which an API instance does not know.
 *
 * <p>Who may see a copy is what the database would decide (get_visible.sql): its creator, an admin,
 * and each user a read of the database confirmed as one who joined it. Users join an execution but
 * never leave it, so a confirmed reader stays one; anyone else's read goes to the database. An
 * admin with tokens sees the readers, which can grow: their get reads them afresh.
 *
 * <p>Each copy holds the answer of a get as its creator sees it and as a reader sees it, written
 * and tagged once, when first asked for: the same bytes and ETag as an answer made from the row
 * read afresh. Not before: the create that waited for an execution keeps a copy for the download
 * that follows, and its own answer should not wait for two more.
 */
@Component
class SettledExecutions {

  /** Readers a copy remembers; more of them are checked by the database each time. */
  private static final int MAX_READERS = 64;

  /** The weight of a copy besides its SQL and answers: the row's other fields. */
  private static final int ENTRY_WEIGHT = 2048;

  /**
   * The weight of an answer besides the SQL and columns it shows; and of a column. Estimates, since
   * a copy is weighed before its answers are written: an answer of a dashboard's query is 1 to 3
   * KB.
   */
  private static final int ANSWER_WEIGHT = 2048;

  private static final int COLUMN_WEIGHT = 64;

  /** A settled execution, its two answers, and the users a read confirmed as its readers. */
  private record Entry(
      Execution execution, Answer asCreator, Answer asReader, Set<String> readers) {

    boolean visibleTo(Caller caller) {
      String viewer = caller.viewer();
      return viewer == null || viewer.equals(execution.createdBy()) || readers.contains(viewer);
    }

    int weight() {
      long sql = execution.sql().length();
      long columns = execution.result().columns().size();
      long answer = ANSWER_WEIGHT + sql + COLUMN_WEIGHT * columns;
      // A small result kept in the row comes with it, and serves the downloads of the copy.
      long inline = execution.result().inline() == null ? 0 : execution.result().inline().size();
      return (int) Math.min(Integer.MAX_VALUE, ENTRY_WEIGHT + 2 * sql + 2 * answer + inline);
    }
  }

  /**
   * An answer written when first asked for. Two requests asking at once may both write it: the same
   * bytes, so either is kept.
   */
  private static final class Answer {

    private final TaggedAnswers tagged;
    private final Execution execution;
    private final ExecutionView.Viewer viewer;
    private volatile TaggedAnswers.Tagged written;

    Answer(TaggedAnswers tagged, Execution execution, ExecutionView.Viewer viewer) {
      this.tagged = tagged;
      this.execution = execution;
      this.viewer = viewer;
    }

    TaggedAnswers.Tagged get() {
      TaggedAnswers.Tagged answer = written;
      if (answer == null) {
        answer = tagged.of(ExecutionView.of(execution, viewer));
        written = answer;
      }
      return answer;
    }
  }

  private final Cache<Long, Entry> entries;
  private final TaggedAnswers tagged;
  private final Clock clock;
  private final Duration margin;

  SettledExecutions(
      ApiProperties properties, TaggedAnswers tagged, Clock clock, MeterRegistry meters) {
    this.tagged = tagged;
    this.clock = clock;
    this.margin = properties.settledCache().expiryMargin();
    long maxBytes = properties.settledCache().maxSize().toBytes();
    if (maxBytes == 0) {
      this.entries = null;
    } else {
      this.entries =
          Caffeine.newBuilder()
              .maximumWeight(maxBytes)
              .weigher((Long id, Entry entry) -> entry.weight())
              .recordStats()
              .build();
      CaffeineCacheMetrics.monitor(meters, entries, "agp.api.settled.executions");
    }
  }

  /** The execution, if a copy is held that the caller may see; else null (read the database). */
  Execution find(long id, Caller caller) {
    Entry entry = fresh(id, caller);
    return entry == null ? null : entry.execution();
  }

  /**
   * A get's answer from a held copy, or null when the caller must read the database.
   *
   * @param withReaders whether the caller is shown the execution's readers (an admin with tokens)
   */
  TaggedAnswers.Tagged answer(long id, Caller caller, boolean withReaders) {
    if (withReaders) {
      return null;
    }
    Entry entry = fresh(id, caller);
    if (entry == null) {
      return null;
    }
    return ExecutionViews.viewer(entry.execution(), caller) == ExecutionView.Viewer.CREATOR
        ? entry.asCreator().get()
        : entry.asReader().get();
  }

  /**
   * Keeps a copy of an execution the caller has just read from the database (so may see), if it is
   * settled; a caller who is not its creator is remembered as one of its readers.
   */
  void remember(Execution execution, Caller caller) {
    if (entries == null || !settled(execution, clock.instant())) {
      return;
    }
    Entry entry = entries.get(execution.id(), id -> copy(execution));
    String viewer = caller.viewer();
    if (viewer != null
        && !viewer.equals(execution.createdBy())
        && entry.readers().size() < MAX_READERS) {
      entry.readers().add(viewer);
    }
  }

  private Entry fresh(long id, Caller caller) {
    if (entries == null) {
      return null;
    }
    Entry entry = entries.getIfPresent(id);
    if (entry == null) {
      return null;
    }
    if (!servable(entry.execution(), clock.instant())) {
      entries.invalidate(id);
      return null;
    }
    return entry.visibleTo(caller) ? entry : null;
  }

  private Entry copy(Execution execution) {
    return new Entry(
        execution,
        new Answer(tagged, execution, ExecutionView.Viewer.CREATOR),
        new Answer(tagged, execution, ExecutionView.Viewer.READER),
        ConcurrentHashMap.newKeySet());
  }

  /** Whether nothing can change the row before its expiry: see the class comment. */
  private boolean settled(Execution execution, Instant now) {
    Callback callback = execution.callback();
    return execution.status() == ExecutionStatus.SUCCEEDED
        && !execution.awaitingQueryLog()
        && (callback == null
            || callback.state() == Callback.State.DELIVERED
            || callback.state() == Callback.State.FAILED)
        && servable(execution, now);
  }

  /** Whether the execution is far enough from its expiry for a copy to be exact. */
  private boolean servable(Execution execution, Instant now) {
    return execution.result() != null
        && execution.result().expiresAt() != null
        && now.plus(margin).isBefore(execution.result().expiresAt());
  }
}
