package io.agp.api.usage;

import io.agp.clickhouse.QuerySummary;
import io.agp.usage.UsageEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Records the usage the API sees end (an interactive query, a result download) off the thread that
 * ends it: the client's answer never waits for the insert, nor fails with it. An insert that fails
 * is logged and counted; while the database is slow, at most {@link #MAX_PENDING} records wait, and
 * one beyond is dropped and counted rather than held in memory.
 */
@Component
public class UsageRecorder implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);

  static final int MAX_PENDING = 10_000;

  private final UsageEvents events;
  private final ExecutorService inserts =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("usage-record-", 0).factory());
  private final Semaphore pending = new Semaphore(MAX_PENDING);
  private final Counter failed;
  private final Counter dropped;

  UsageRecorder(UsageEvents events, MeterRegistry meters) {
    this.events = events;
    this.failed =
        Counter.builder("agp.api.usage.record.failures")
            .description("Usage events the API could not insert (logged; the answer went out)")
            .register(meters);
    this.dropped =
        Counter.builder("agp.api.usage.record.dropped")
            .description("Usage events dropped because too many were waiting for the database")
            .register(meters);
  }

  /**
   * ClickHouse's figures of an interactive query: those of its answer's summary (zero where the
   * server sent none), and the bytes of its answer the client was given.
   */
  public static UsageEvents.QueryFigures figures(Optional<QuerySummary> summary, long resultBytes) {
    if (summary.isEmpty()) {
      return new UsageEvents.QueryFigures(0, 0, resultBytes, 0, 0);
    }
    QuerySummary s = summary.get();
    return new UsageEvents.QueryFigures(
        s.readRows(),
        s.readBytes(),
        resultBytes,
        s.elapsedNanos().isPresent() ? s.elapsedNanos().getAsLong() / 1_000_000 : 0,
        s.peakMemoryBytes().orElse(0));
  }

  /**
   * Whether an interactive query's figures as its answer told them ({@link #figures}) are the
   * server's final ones: the query succeeded, and its answer had a summary written at the query's
   * end ({@link QuerySummary#writtenAtEnd}).
   */
  public static boolean finalFigures(
      UsageEvents.Outcome outcome, Optional<QuerySummary> summary, long resultBytes) {
    return outcome == UsageEvents.Outcome.SUCCEEDED
        && summary.isPresent()
        && QuerySummary.writtenAtEnd(resultBytes);
  }

  /**
   * A sync run or proxy query of {@code owner} on {@code tier} ended.
   *
   * @param awaitQueryLogOf the query's ClickHouse id when the bookkeeper is to complete its figures
   *     from system.query_log; null when they are final
   */
  public void query(
      UsageEvents.Interactive api,
      String tier,
      String owner,
      UsageEvents.Outcome outcome,
      UsageEvents.QueryFigures figures,
      String awaitQueryLogOf) {
    submit(
        "a " + api.name().toLowerCase(Locale.ROOT) + " query",
        () -> events.recordQuery(api, tier, owner, outcome, figures, awaitQueryLogOf));
  }

  /** {@code owner} was sent {@code bytes} of a result of {@code tier} (all of it, or less). */
  public void download(String tier, String owner, long bytes) {
    submit("a download", () -> events.recordDownload(tier, owner, bytes));
  }

  private void submit(String what, Runnable insert) {
    if (!pending.tryAcquire()) {
      dropped.increment();
      log.warn("usage of {} not recorded: {} records wait for the database", what, MAX_PENDING);
      return;
    }
    try {
      inserts.execute(
          () -> {
            try {
              insert.run();
            } catch (RuntimeException e) {
              failed.increment();
              log.warn("could not record the usage of {}", what, e);
            } finally {
              pending.release();
            }
          });
    } catch (RuntimeException e) {
      // Shutting down: the executor takes no more.
      pending.release();
      failed.increment();
      log.warn("could not record the usage of {}: {}", what, e.toString());
    }
  }

  /** Lets the records under way finish, for a few seconds, before the database goes. */
  @Override
  public void destroy() throws InterruptedException {
    inserts.shutdown();
    if (!inserts.awaitTermination(5, TimeUnit.SECONDS)) {
      log.warn("usage records still waiting at shutdown were not recorded");
    }
  }
}
