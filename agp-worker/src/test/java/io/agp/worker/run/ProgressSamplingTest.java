package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.QueryStats;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How far a running query got is read about once a second, for all running executions of a pool at
 * once, and what ClickHouse last said of a query stays on its execution when it ends.
 */
class ProgressSamplingTest {

  /** Reads a row every half second: five seconds in all. */
  private static final String FIVE_SECONDS =
      "SELECT count() FROM (SELECT number FROM numbers(10) WHERE sleepEachRow(0.5) = 0"
          + " SETTINGS max_block_size = 1)";

  private static WorkerStack stack;
  private static ClickHouseHttpProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    proxy = new ClickHouseHttpProxy(Duration.ZERO, sql -> Map.of());
    // The default lease (30 s) renews every 10 s: any progress seen sooner comes from sampling.
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-progress").toUri().toString(),
                "agp.tiers.proxied.clickhouse.url",
                proxy.url(),
                "agp.tiers.logged.clickhouse.url",
                ClickHouseTestServer.shared().httpUrl().toString(),
                "agp.tiers.logged.read-query-log",
                "true"));
  }

  @AfterAll
  static void stop() {
    stack.close();
    proxy.close();
  }

  @Test
  void aQueryOfAFewSecondsShowsANewProgressSampleAboutEverySecond() {
    long id = stack.create(FIVE_SECONDS, "JSON", "default");

    Set<Long> rowsSeen = new LinkedHashSet<>();
    Execution done =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  Execution now = stack.get(id);
                  if (now.status() == ExecutionStatus.RUNNING && now.progress() != null) {
                    rowsSeen.add(now.progress().rows());
                  }
                  return now;
                },
                e -> e.status().isTerminal());

    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    // About five samples in five seconds; no exact timing is asked of a busy machine.
    assertThat(rowsSeen).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void theFiguresOfAnEndedQueryAreThoseOfItsLastProgressSampleWhenClickHouseSendsNoSummary() {
    long id = stack.create(FIVE_SECONDS, "JSON", "default");

    Execution done = stack.awaitEnd(id);

    // ClickHouse 18.16 sends no X-ClickHouse-Summary.
    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    QueryStats stats = done.queryStats();
    assertThat(stats).isNotNull();
    assertThat(stats.source()).isEqualTo(QueryStats.Source.PROGRESS);
    assertThat(stats.readRows()).isBetween(1L, 10L);
    assertThat(stats.elapsedMillis()).isPositive();
    assertThat(stats.peakMemoryBytes()).isNotNull();
    assertThat(awaitsQueryLog(id)).isFalse();
  }

  @Test
  void aFailedQueryKeepsTheFiguresOfItsLastSample() {
    long id =
        stack.create(
            "SELECT throwIf(number = 6) FROM (SELECT number FROM numbers(10)"
                + " WHERE sleepEachRow(0.5) = 0 SETTINGS max_block_size = 1)",
            "JSON",
            "default");

    Execution done = stack.awaitEnd(id);

    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.queryStats().source()).isEqualTo(QueryStats.Source.PROGRESS);
    assertThat(done.queryStats().readRows()).isPositive();
  }

  @Test
  void aQueryTooQuickForASampleHasNoFiguresUnlessTheTierReadsTheQueryLog() {
    long quick = stack.create("SELECT 1", "JSON", "default");
    long logged = stack.create("SELECT 2", "JSON", "logged");

    assertThat(stack.awaitEnd(quick).queryStats()).isNull();
    assertThat(awaitsQueryLog(quick)).isFalse();
    assertThat(stack.awaitEnd(logged).queryStats()).isNull();
    // The bookkeeper finds the figures in system.query_log once ClickHouse has written it.
    assertThat(awaitsQueryLog(logged)).isTrue();
  }

  @Test
  void oneRoundAsksClickHouseOnceForAllRunningExecutions() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(stack.create(FIVE_SECONDS, "JSON", "proxied"));
    }
    List<String> queryIds =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> ids.stream().map(stack::get).toList(),
                all -> all.stream().allMatch(e -> e.status() == ExecutionStatus.RUNNING))
            .stream()
            .map(e -> new AttemptId(e.id(), e.attempt()).clickHouseQueryId())
            .toList();
    int before = progressQueries().size();

    ids.forEach(stack::awaitEnd);

    List<String> during = progressQueries().subList(before, progressQueries().size());
    // One query a round (about five in five seconds), not one per execution and round.
    assertThat(during).hasSizeBetween(2, 9);
    assertThat(during).anySatisfy(sql -> assertThat(sql).contains(queryIds));
  }

  private static List<String> progressQueries() {
    return proxy.statements().stream().filter(ClickHouseHttpProxy::isProgressQuery).toList();
  }

  private static boolean awaitsQueryLog(long id) {
    return stack
        .jdbc()
        .sql("select stats_await_query_log from executions where id = :id")
        .param("id", id)
        .query(Boolean.class)
        .single();
  }
}
