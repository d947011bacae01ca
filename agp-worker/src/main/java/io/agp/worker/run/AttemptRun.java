package io.agp.worker.run;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionHop;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.execution.StoredResult;
import io.agp.results.InlineResult;
import io.agp.results.InlineableUpload;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultUpload;
import io.agp.results.RowIndex;
import io.agp.tier.TierProperties;
import io.agp.worker.run.FailurePolicy.Kill;
import io.agp.worker.run.FailurePolicy.Verdict;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt, read top to bottom: send the query (to the first endpoint that takes it), stream its
 * answer into the result store (a small one into memory, for the execution's row), describe its
 * columns, commit the stored object, complete the execution. Whatever ends it early is turned into
 * a verdict by the {@link FailurePolicy} and carried out in {@link #carryOut}: the one place that
 * requeues, fails or writes nothing.
 *
 * <p>A result is committed only when ClickHouse's answer ended cleanly (the client turns an error
 * written into a 200 answer into an exception); the upload is aborted on every other way out, and
 * every write is fenced by the attempt, so nothing lands once the attempt lost its execution.
 */
final class AttemptRun {

  private static final Logger log = LoggerFactory.getLogger(AttemptRun.class);

  /** What the attempts of one tier share. */
  record Context(
      ExecutionRepository executions,
      ResultStore results,
      Clock clock,
      TierProperties tier,
      QuerySender sender,
      FailurePolicy policy,
      TierMetrics metrics) {}

  private final RunningExecution run;
  private final Context context;

  AttemptRun(RunningExecution run, Context context) {
    this.run = run;
    this.context = context;
  }

  AttemptOutcome run() {
    Execution execution = run.claimed().execution();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    ResultCompression compression = context.tier().resultCompression();
    String key = StoredResult.keyFor(run.attemptId(), format, compression);
    Instant started = context.clock().instant();
    ResultInspector inspector = new ResultInspector(format);
    AnswerHeader header = AnswerHeader.of(format);
    ResultStreamer streamer =
        new ResultStreamer(
            compression,
            context.tier().maxResultSize().toBytes(),
            context.tier().rowIndexSpacing().toBytes());
    try (InlineableUpload upload =
            new InlineableUpload(
                context.results(), key, context.tier().inlineResultSize().toBytes());
        QuerySender.Sent sent = context.sender().send(run, header.asked())) {
      ExecutionHop.mark(execution.id(), ExecutionHop.Step.ANSWERED);
      ColumnDescriber describer = ColumnDescriber.start(sent, execution.sql(), format, header);
      streamer.copy(sent.response().body(), upload, inspector, header);
      List<Column> columns = describer.columns(inspector);
      // Lost or stopped while the answer ended: nothing may be committed.
      run.requireOwned();
      commit(upload);
      ExecutionHop.mark(execution.id(), ExecutionHop.Step.STORED);
      InlineResult inline = upload.inline().orElse(null);
      if (inline == null) {
        // A result kept in the row is read whole for any page: it has no index.
        streamer.rowIndex().ifPresent(index -> storeRowIndex(key, index));
      }
      StoredResult stored =
          new StoredResult(
              key,
              inspector.rows(),
              upload.bytesWritten(),
              columns,
              compression.recordedName(),
              Duration.between(started, context.clock().instant()).toMillis(),
              inline);
      return complete(
          stored, QueryFigures.ofAnswer(run, sent.response().summary(), streamer.answerBytes()));
    } catch (IOException | RuntimeException failure) {
      return carryOut(context.policy().verdict(failure, run, streamer.answerBytes() == 0));
    }
  }

  /**
   * Stores the result's row index next to it. Without it pages of rows are read from the start:
   * slower, still right, so a failure here costs the result nothing.
   */
  private void storeRowIndex(String key, RowIndex index) {
    try (ResultUpload upload = context.results().upload(RowIndex.keyFor(key))) {
      index.write(upload.stream());
      upload.commit();
    } catch (IOException | RuntimeException e) {
      log.warn("could not store the row index of {}: {}", key, e.toString());
    }
  }

  private static void commit(ResultUpload upload) throws ResultStreamer.StoreFailure {
    try {
      upload.commit();
    } catch (IOException e) {
      throw new ResultStreamer.StoreFailure(e);
    }
  }

  private AttemptOutcome complete(StoredResult stored, QueryStats stats) {
    if (!context
        .executions()
        .complete(
            run.attemptId(), stored, context.tier().resultTtl(), stats, awaitsQueryLog(stats))) {
      // Lost between the end of the answer and now: the object must not outlive the attempt.
      deleteQuietly(stored.key());
      log.info("attempt {} lost before its completion", run.attemptId().attempt());
      return run.lostOutcome();
    }
    ExecutionHop.mark(run.attemptId().executionId(), ExecutionHop.Step.COMPLETED);
    context.metrics().stored(stored.bytes(), stored.inline() != null);
    return AttemptOutcome.SUCCEEDED;
  }

  /** Carries out a verdict: kills the query if it may still run, then writes, fenced. */
  private AttemptOutcome carryOut(Verdict verdict) {
    return switch (verdict) {
      case Verdict.Lost lost -> lost.as();
      case Verdict.Fail fail -> {
        kill(fail.kill());
        yield fail(fail.reason()) ? AttemptOutcome.FAILED : run.lostOutcome();
      }
      case Verdict.Retry retry -> {
        kill(retry.kill());
        if (!context.executions().requeue(run.attemptId(), retry.delay(), retry.reason())) {
          yield run.lostOutcome();
        }
        log.info(
            "requeued after a transient failure, again in {}: {}", retry.delay(), retry.reason());
        yield AttemptOutcome.REQUEUED;
      }
    };
  }

  private void kill(Kill kill) {
    switch (kill) {
      case NONE -> {}
      case NOW -> run.killQuery();
      case IN_BACKGROUND -> run.killQueryInBackground();
    }
  }

  /** Fails the attempt with the figures of its last progress reading, if any. */
  private boolean fail(String reason) {
    QueryStats stats = QueryFigures.ofProgress(run);
    return context.executions().fail(run.attemptId(), reason, stats, awaitsQueryLog(stats));
  }

  /**
   * Whether the bookkeeper is to look the query's figures up in system.query_log: where the tier
   * reads it, a query was sent, and the figures at hand are not the server's final ones.
   */
  private boolean awaitsQueryLog(QueryStats stats) {
    return context.tier().readQueryLog()
        && run.node().isPresent()
        && (stats == null || stats.source() != QueryStats.Source.SUMMARY);
  }

  private void deleteQuietly(String key) {
    try {
      context.results().delete(key);
      context.results().delete(RowIndex.keyFor(key));
    } catch (IOException | RuntimeException e) {
      log.warn("could not delete result {} of a lost attempt", key, e);
    }
  }
}
