package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.Progress;
import io.agp.execution.ProgressSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads how far the running attempts of one tier pool have got, and records it: each round asks
 * each ClickHouse node that runs some of them once ({@code system.processes}, all their query_ids
 * in one query), then records the samples that changed in one statement, and announces each of
 * those executions. So a round costs one ClickHouse query per node and one PostgreSQL statement per
 * node with news, whatever the number of running attempts.
 *
 * <p>Each node's lookup runs on a thread of its own, and a node whose previous lookup is still
 * under way (an overloaded or frozen ClickHouse) is passed over: a slow node delays its own
 * progress, never that of the other nodes, nor the lease renewals, which do not wait on ClickHouse
 * at all.
 */
final class ProgressSampler {

  private static final Logger log = LoggerFactory.getLogger(ProgressSampler.class);

  /** While the lookups of a node keep failing, a warning this often, not one per round. */
  private static final Duration WARNING_EVERY = Duration.ofMinutes(1);

  private final String tierName;
  private final ExecutionRepository executions;
  private final Supplier<Collection<RunningExecution>> running;
  private final Set<ClickHouseClient> busy = ConcurrentHashMap.newKeySet();
  // When each failing node was last warned about (System.nanoTime); absent while it answers.
  private final Map<ClickHouseClient, Long> failing = new ConcurrentHashMap<>();
  private final ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor();

  ProgressSampler(
      String tierName,
      ExecutionRepository executions,
      Supplier<Collection<RunningExecution>> running) {
    this.tierName = tierName;
    this.executions = executions;
    this.running = running;
  }

  /**
   * Starts a round: a lookup on each node that runs attempts of the pool, unless its previous one
   * is still under way. Returns at once.
   */
  void sample() {
    byNode()
        .forEach(
            (node, runs) -> {
              if (busy.add(node)) {
                try {
                  lookups.execute(
                      () -> {
                        try {
                          sample(node, runs);
                        } finally {
                          busy.remove(node);
                        }
                      });
                } catch (RuntimeException e) {
                  // Shut down meanwhile.
                  busy.remove(node);
                }
              }
            });
  }

  /** One node's part of a round, on the calling thread. */
  void sample(ClickHouseClient node, List<RunningExecution> runs) {
    Map<String, RunningExecution> byQueryId = new LinkedHashMap<>();
    runs.forEach(run -> byQueryId.put(run.attemptId().clickHouseQueryId(), run));
    Map<String, Progress> readings;
    try {
      readings = node.system().progress(byQueryId.keySet());
      failing.remove(node);
    } catch (RuntimeException e) {
      warn(node, e);
      return;
    }
    Map<Long, ProgressSample> changed = new LinkedHashMap<>();
    Map<Long, RunningExecution> sampled = new LinkedHashMap<>();
    readings.forEach(
        (queryId, reading) -> {
          RunningExecution run = byQueryId.get(queryId);
          if (run != null && run.readings().sampled(reading) && !run.isLost()) {
            long id = run.attemptId().executionId();
            changed.put(id, new ProgressSample(run.attemptId(), run.readings().latest()));
            sampled.put(id, run);
          }
        });
    if (changed.isEmpty()) {
      return;
    }
    try {
      for (long id : executions.recordProgress(changed.values())) {
        sampled.get(id).readings().recorded(changed.get(id).progress());
      }
    } catch (RuntimeException e) {
      // The samples of the next round replace these.
      log.warn("recording the progress of {} executions failed: {}", changed.size(), e.toString());
    }
  }

  /** The running attempts whose query was sent, by the node that runs it. */
  Map<ClickHouseClient, List<RunningExecution>> byNode() {
    Map<ClickHouseClient, List<RunningExecution>> byNode = new LinkedHashMap<>();
    for (RunningExecution run : running.get()) {
      if (!run.isLost()) {
        run.node().ifPresent(node -> byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(run));
      }
    }
    return byNode;
  }

  void close() {
    lookups.shutdownNow();
    try {
      lookups.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void warn(ClickHouseClient node, RuntimeException e) {
    long now = System.nanoTime();
    Long last = failing.get(node);
    if (last == null || now - last >= WARNING_EVERY.toNanos()) {
      failing.put(node, now);
      log.warn(
          "no progress from ClickHouse of tier {}{}: {}",
          tierName,
          last == null ? "" : " (still failing)",
          e.toString());
    }
  }
}
