package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseException;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.Lease;
import io.agp.execution.ResultFormat;
import io.agp.execution.StoredResult;
import io.agp.results.ResultStore;
import io.agp.results.ResultUpload;
import io.agp.tier.TierProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt: the query on ClickHouse, its response streamed into the result store, then the
 * execution completed, failed or requeued. Nothing it writes lands once the attempt is lost.
 */
final class ExecutionRunner {

  private static final Logger log = LoggerFactory.getLogger(ExecutionRunner.class);
  private static final int BUFFER_SIZE = 64 * 1024;

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

  void run(RunningExecution run, TierProperties tier) {
    Execution execution = run.claimed().execution();
    Lease lease = run.lease();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    String key = "results/" + execution.id() + "-" + execution.attempt() + "." + format.extension();
    Instant started = clock.instant();
    ResultInspector inspector = new ResultInspector(format);
    try (ResultUpload upload = results.upload(key);
        ClickHouseResponse response =
            run.clickhouse()
                .execute(
                    lease.clickHouseQueryId(),
                    execution.sql() + "\nFORMAT " + format.name(),
                    settings(tier, run))) {
      run.attach(response);
      copy(response.body(), upload.stream(), inspector, tier.maxResultSize().toBytes());
      if (run.isLost()) {
        return;
      }
      upload.commit();
      long duration = Duration.between(started, clock.instant()).toMillis();
      StoredResult stored =
          new StoredResult(
              key, inspector.rows(), upload.bytesWritten(), inspector.columns(), null, duration);
      if (!executions.complete(lease, stored, tier.resultTtl())) {
        // Lost between the end of the stream and now: the object must not outlive the attempt.
        deleteQuietly(key);
        log.info(
            "execution {} attempt {} lost before completion", lease.executionId(), lease.attempt());
      }
    } catch (ClickHouseException e) {
      handleQueryFailure(run, e, inspector.bytes() == 0);
    } catch (ResultTooLargeException e) {
      failUnlessLost(run, e.getMessage());
    } catch (IOException | RuntimeException e) {
      if (!run.isLost()) {
        log.warn("execution {} attempt {} failed", lease.executionId(), lease.attempt(), e);
      }
      failUnlessLost(run, "execution failed: " + describe(e));
    }
  }

  private void handleQueryFailure(
      RunningExecution run, ClickHouseException e, boolean nothingRead) {
    if (run.isLost()) {
      return;
    }
    Lease lease = run.lease();
    Execution execution = run.claimed().execution();
    boolean attemptsLeft = execution.attempt() < execution.maxAttempts();
    if (e.isTransient() && nothingRead && attemptsLeft) {
      String reason = "attempt " + execution.attempt() + ": " + e.getMessage();
      executions.requeue(lease, retryBackoff, reason);
      log.info("execution {} requeued after a transient failure: {}", lease.executionId(), reason);
      return;
    }
    executions.fail(lease, e.getMessage());
  }

  private void failUnlessLost(RunningExecution run, String error) {
    if (!run.isLost()) {
      executions.fail(run.lease(), error);
    }
  }

  private static void copy(
      InputStream in, OutputStream out, ResultInspector inspector, long maxBytes)
      throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    int n;
    while ((n = in.read(buffer)) != -1) {
      inspector.accept(buffer, 0, n);
      if (inspector.bytes() > maxBytes) {
        throw new ResultTooLargeException(maxBytes);
      }
      out.write(buffer, 0, n);
    }
  }

  private static Map<String, String> settings(TierProperties tier, RunningExecution run) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("max_execution_time", Long.toString(tier.maxRunTime().toSeconds()));
    settings.putAll(tier.settings());
    if (tier.sendQuotaKey()) {
      settings.put(ClickHouseClient.QUOTA_KEY, run.claimed().execution().createdBy());
    }
    run.claimed().parameters().forEach((name, value) -> settings.put("param_" + name, value));
    return settings;
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
}
