package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseException;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.clickhouse.ClickHouseUnreachableException;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.execution.StoredResult;
import io.agp.results.ResultStore;
import io.agp.results.ResultUpload;
import io.agp.tier.ResultCompression;
import io.agp.tier.TierProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt: the query on ClickHouse, its response streamed into the result store, then the
 * execution completed, failed or requeued. Nothing it writes lands once the attempt is lost.
 *
 * <p>A result is committed only when ClickHouse's stream ended cleanly (the body guard of the
 * client turns an error written into a 200 response into a {@link ClickHouseException}); any other
 * end aborts the upload, kills the query and fails the execution, or gives it back to the queue
 * when the failure is transient and nothing was read yet.
 */
final class ExecutionRunner {

  private static final Logger log = LoggerFactory.getLogger(ExecutionRunner.class);

  /** As large as the client's socket buffer, so that one read takes whatever has arrived. */
  private static final int BUFFER_SIZE = 256 * 1024;

  /** Doubling the backoff stops here, so that a long outage still retries now and then. */
  private static final int MAX_BACKOFF_DOUBLINGS = 6;

  private final ExecutionRepository executions;
  private final ResultStore results;
  private final Duration retryBackoff;
  private final Clock clock;

  ExecutionRunner(
      ExecutionRepository executions, ResultStore results, Duration retryBackoff, Clock clock) {
    this.executions = executions;
    this.results = results;
    this.retryBackoff = retryBackoff;
    this.clock = clock;
  }

  AttemptOutcome run(
      RunningExecution run, TierProperties tier, TierClickHouse clickhouse, TierMetrics metrics) {
    Execution execution = run.claimed().execution();
    AttemptId attemptId = run.attemptId();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    ResultCompression compression = tier.resultCompression();
    String key = StoredResult.keyFor(attemptId, format, compression);
    Instant started = clock.instant();
    ResultInspector inspector = new ResultInspector(format);
    try {
      try (ResultUpload upload = results.upload(key);
          Sent sent = send(run, clickhouse, format)) {
        if (sent == null) {
          return run.overrun() != null ? failOverrun(run, tier) : run.lostOutcome();
        }
        ClickHouseResponse response = sent.response();
        run.attach(response);
        store(response.body(), upload, compression, inspector, tier.maxResultSize().toBytes());
        if (run.isLost()) {
          return run.lostOutcome();
        }
        List<Column> columns = columns(run, sent, format, inspector);
        if (run.isLost()) {
          return run.lostOutcome();
        }
        if (run.overrun() != null) {
          // The stream ended as the time ran out: the limit holds all the same.
          return failOverrun(run, tier);
        }
        try {
          upload.commit();
        } catch (IOException e) {
          throw new StoreFailure(e);
        }
        long duration = Duration.between(started, clock.instant()).toMillis();
        StoredResult stored =
            new StoredResult(
                key,
                inspector.rows(),
                upload.bytesWritten(),
                columns,
                compression.recordedName(),
                duration);
        QueryStats stats = QueryFigures.ofAnswer(run, response.summary(), inspector.bytes());
        if (!executions.complete(
            attemptId, stored, tier.resultTtl(), stats, awaitsQueryLog(run, tier, stats))) {
          // Lost between the end of the stream and now: the object must not outlive the attempt.
          deleteQuietly(key);
          log.info("attempt {} lost before its completion", attemptId.attempt());
          return run.lostOutcome();
        }
        metrics.stored(upload.bytesWritten());
        return AttemptOutcome.SUCCEEDED;
      }
    } catch (ClickHouseException e) {
      return afterQueryFailure(run, tier, e, inspector.bytes() == 0);
    } catch (ClickHouseStreamBroken e) {
      return afterStreamBroken(run, tier, e, inspector.bytes() == 0);
    } catch (StoreFailure e) {
      return afterFailure(run, tier, "storing the result failed: " + describe(e.getCause()), e);
    } catch (UnsupportedQueryException e) {
      // Refused before it was sent: there is no query to kill.
      if (run.overrun() != null) {
        return failOverrun(run, tier);
      }
      fail(run, tier, e.getMessage());
      return AttemptOutcome.FAILED;
    } catch (ResultTooLargeException e) {
      return afterFailure(run, tier, e.getMessage(), null);
    } catch (IOException | RuntimeException e) {
      return afterFailure(run, tier, "execution failed: " + describe(e), e);
    }
  }

  private AttemptOutcome afterQueryFailure(
      RunningExecution run, TierProperties tier, ClickHouseException e, boolean nothingRead) {
    if (run.isLost()) {
      return run.lostOutcome();
    }
    if (run.overrun() != null) {
      return failOverrun(run, tier);
    }
    if (e.isTransient() && nothingRead) {
      if (ClickHouseClient.isReadTimeout(e)) {
        // Silent, not refused: the query may run on there.
        run.killQueryInBackground();
      }
      return requeueOrFail(run, tier, e.getMessage());
    }
    if (!nothingRead) {
      // Failed in the middle of the rows: make sure the query is not left running.
      killQuery(run, e);
    }
    fail(run, tier, e.getMessage());
    return AttemptOutcome.FAILED;
  }

  private AttemptOutcome afterStreamBroken(
      RunningExecution run, TierProperties tier, ClickHouseStreamBroken e, boolean nothingRead) {
    if (run.isLost()) {
      return run.lostOutcome();
    }
    if (run.overrun() != null) {
      return failOverrun(run, tier);
    }
    if (nothingRead) {
      // Cut before the first byte (a server restarting): nothing was stored, try again later.
      if (ClickHouseClient.isReadTimeout(e)) {
        run.killQueryInBackground();
      }
      return requeueOrFail(run, tier, e.getMessage());
    }
    killQuery(run, e);
    fail(run, tier, e.getMessage());
    return AttemptOutcome.FAILED;
  }

  /**
   * Kills the attempt's query; in the background when its node stopped answering (a read timeout),
   * since the kill would then wait for its own timeout before the execution could be failed or
   * requeued.
   */
  private static void killQuery(RunningExecution run, Throwable cause) {
    if (ClickHouseClient.isReadTimeout(cause)) {
      run.killQueryInBackground();
    } else {
      run.killQuery();
    }
  }

  private AttemptOutcome afterFailure(
      RunningExecution run, TierProperties tier, String error, Throwable cause) {
    if (run.isLost()) {
      return run.lostOutcome();
    }
    if (run.overrun() != null) {
      return failOverrun(run, tier);
    }
    if (cause != null) {
      log.warn("attempt {} failed", run.attemptId().attempt(), cause);
    }
    run.killQuery();
    fail(run, tier, error);
    return AttemptOutcome.FAILED;
  }

  /**
   * Fails an attempt the worker stopped itself for running too long; its query was killed when it
   * was stopped. Whatever broke afterwards (the stream, the query) is the effect, not the cause.
   */
  private AttemptOutcome failOverrun(RunningExecution run, TierProperties tier) {
    return fail(run, tier, run.overrun()) ? AttemptOutcome.FAILED : run.lostOutcome();
  }

  /** Fails the attempt with the figures of its last progress reading, if any. */
  private boolean fail(RunningExecution run, TierProperties tier, String error) {
    QueryStats stats = QueryFigures.ofProgress(run);
    return executions.fail(run.attemptId(), error, stats, awaitsQueryLog(run, tier, stats));
  }

  /**
   * Whether the bookkeeper is to look the query's figures up in system.query_log: where the tier
   * reads it, a query was sent, and the figures at hand are not the server's final ones.
   */
  private static boolean awaitsQueryLog(
      RunningExecution run, TierProperties tier, QueryStats stats) {
    return tier.readQueryLog()
        && run.node().isPresent()
        && (stats == null || stats.source() != QueryStats.Source.SUMMARY);
  }

  private AttemptOutcome requeueOrFail(RunningExecution run, TierProperties tier, String reason) {
    Execution execution = run.claimed().execution();
    if (execution.attempt() >= execution.maxAttempts()) {
      fail(run, tier, reason);
      return AttemptOutcome.FAILED;
    }
    Duration delay = backoff(execution.attempt());
    if (!executions.requeue(run.attemptId(), delay, reason)) {
      return run.lostOutcome();
    }
    log.info("requeued after a transient failure, again in {}: {}", delay, reason);
    return AttemptOutcome.REQUEUED;
  }

  /** The query as sent: the endpoint that runs it, its settings and its streaming answer. */
  private record Sent(
      ClickHouseClient node, Map<String, String> settings, ClickHouseResponse response)
      implements AutoCloseable {

    @Override
    public void close() {
      response.close();
    }
  }

  /**
   * Sends the query to the tier's endpoints in turn until one takes the connection; one that
   * refuses it is skipped, since the query was certainly not sent there.
   *
   * @return null when the attempt was abandoned before the query could be sent
   */
  private static Sent send(RunningExecution run, TierClickHouse clickhouse, ResultFormat format) {
    Execution execution = run.claimed().execution();
    List<ClickHouseClient> candidates = clickhouse.candidates();
    for (int i = 0; ; i++) {
      ClickHouseClient node = candidates.get(i);
      try {
        // First, as it may ask the server what it knows and take a while: an attempt abandoned
        // meanwhile is refused by useNode and sends nothing.
        Map<String, String> settings = clickhouse.settingsFor(run.claimed(), node);
        if (!run.useNode(node)) {
          return null;
        }
        ClickHouseResponse response;
        try {
          response =
              node.execute(
                  run.attemptId().clickHouseQueryId(),
                  execution.sql() + "\nFORMAT " + format.name(),
                  settings);
        } finally {
          run.sendEnded();
        }
        return new Sent(node, settings, response);
      } catch (ClickHouseUnreachableException e) {
        clickhouse.unreachable(node);
        if (i + 1 == candidates.size()) {
          throw e;
        }
        log.warn("{}; trying the next endpoint", e.getMessage());
      }
    }
  }

  /**
   * The result's columns with their types. JSON and TSVWithNamesAndTypes carry them; for the other
   * formats ClickHouse is asked to describe the query, and when that fails the names the result
   * carries (if any) are kept: a good result is not failed for want of labels.
   */
  private static List<Column> columns(
      RunningExecution run, Sent sent, ResultFormat format, ResultInspector inspector) {
    List<Column> carried = inspector.columns();
    if (format == ResultFormat.JSON || format == ResultFormat.TSVWithNamesAndTypes) {
      return carried;
    }
    try {
      List<Column> described =
          sent.node().describe(run.claimed().execution().sql(), sent.settings());
      return described.isEmpty() ? carried : described;
    } catch (RuntimeException e) {
      log.warn("could not describe the result's columns; keeping {}: {}", carried, e.toString());
      return carried;
    }
  }

  /** The delay before attempt {@code attempt + 1}: the configured backoff, doubled each time. */
  Duration backoff(int attempt) {
    int doublings = Math.clamp(attempt - 1, 0, MAX_BACKOFF_DOUBLINGS);
    return retryBackoff.multipliedBy(1L << doublings);
  }

  /** Copies the body into the upload, compressed as the tier says, and checks the size limit. */
  private static void store(
      InputStream in,
      ResultUpload upload,
      ResultCompression compression,
      ResultInspector inspector,
      long maxBytes)
      throws IOException {
    OutputStream out;
    try {
      out = compression.encoding(upload.stream());
    } catch (IOException e) {
      throw new StoreFailure(e);
    }
    boolean finished = false;
    try {
      byte[] buffer = new byte[BUFFER_SIZE];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (ClickHouseException e) {
          throw e;
        } catch (IOException e) {
          throw new ClickHouseStreamBroken(inspector.bytes(), e);
        }
        if (n < 0) {
          break;
        }
        inspector.accept(buffer, 0, n);
        if (inspector.bytes() > maxBytes) {
          throw new ResultTooLargeException(maxBytes);
        }
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          throw new StoreFailure(e);
        }
      }
      try {
        // Writes the compressor's trailer; the upload's own stream ignores the close.
        out.close();
      } catch (IOException e) {
        throw new StoreFailure(e);
      }
      finished = true;
    } finally {
      if (!finished) {
        closeQuietly(out);
      }
    }
  }

  private static void closeQuietly(OutputStream out) {
    try {
      // Frees a compressor's native memory; the upload is aborted whatever this writes.
      out.close();
    } catch (IOException | RuntimeException e) {
      log.warn("closing the compressor of a failed attempt failed: {}", e.toString());
    }
  }

  private void deleteQuietly(String key) {
    try {
      results.delete(key);
    } catch (IOException | RuntimeException e) {
      log.warn("could not delete result {} of a lost attempt", key, e);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }

  /** ClickHouse's stream broke (connection cut, server gone) before it ended. */
  static final class ClickHouseStreamBroken extends IOException {

    ClickHouseStreamBroken(long bytesRead, IOException cause) {
      super(
          "ClickHouse's answer broke off after "
              + bytesRead
              + " bytes ("
              + describe(cause)
              + "); the partial result was discarded",
          cause);
    }
  }

  /** Writing to the result store failed; the upload is aborted. */
  static final class StoreFailure extends IOException {

    StoreFailure(IOException cause) {
      super(cause);
    }
  }
}
