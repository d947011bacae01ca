package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What following the progress of many running executions costs: with N executions running in one
 * worker (one tier pool, default lease and progress interval), the PostgreSQL transactions and
 * updated rows, and the ClickHouse queries, per second, over a window in which no execution starts
 * or ends. Run with {@code bench/worker/progress-cost.sh}; figures go to stdout and {@code
 * target/bench-progress-cost.txt}. The script preloads pg_stat_statements in the test PostgreSQL,
 * so that the statements are also counted one by one.
 *
 * <p>The test ClickHouse takes 100 queries at once, so the most running here is 95.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProgressCostBenchmark {

  private static final Duration WINDOW = Duration.ofSeconds(30);

  /** Reads a row every half second: 45 s, long enough for the window. */
  private static final String LONG_QUERY =
      "SELECT count() FROM (SELECT number FROM numbers(90) WHERE sleepEachRow(0.5) = 0"
          + " SETTINGS max_block_size = 1)";

  private final List<String> report = new ArrayList<>();

  @BeforeAll
  void header() {
    report.add(
        "running  pg_xacts/s  pg_rows_updated/s  clickhouse_queries/s  (window "
            + WINDOW.toSeconds()
            + " s)");
  }

  @AfterAll
  void write() throws Exception {
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-progress-cost.txt"), report, StandardCharsets.UTF_8);
  }

  @Test
  void tenRunning() throws Exception {
    measure(10);
  }

  @Test
  void ninetyFiveRunning() throws Exception {
    measure(95);
  }

  private void measure(int running) throws Exception {
    try (WorkerStack stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-progress-cost").toUri().toString(),
                "agp.tiers.default.concurrency",
                Integer.toString(running),
                "logging.level.io.agp",
                "WARN"))) {
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < running; i++) {
        ids.add(stack.create(LONG_QUERY, "JSON", "default"));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> ids.stream().allMatch(id -> clickHouseRuns(id)));
      // A first round of samples of every execution before the window.
      Thread.sleep(3_000);

      boolean statements = statementsCounted(stack);
      if (statements) {
        stack.jdbc().sql("create extension if not exists pg_stat_statements").update();
        stack.jdbc().sql("select pg_stat_statements_reset()").query().listOfRows();
      }
      long xacts = pgTransactions(stack);
      long updated = pgRowsUpdated(stack);
      long queries = clickHouseQueries();
      long started = System.nanoTime();
      Thread.sleep(WINDOW.toMillis());
      double seconds = (System.nanoTime() - started) / 1e9;
      // The two statements that read the counters count themselves: take them off.
      double xactRate = (pgTransactions(stack) - xacts - 1) / seconds;
      double updateRate = (pgRowsUpdated(stack) - updated) / seconds;
      double queryRate = (clickHouseQueries() - queries - 1) / seconds;
      List<String> breakdown = statements ? statementsPerSecond(stack, seconds) : List.of();

      assertThat(ids)
          .allSatisfy(id -> assertThat(stack.get(id).status()).isEqualTo(ExecutionStatus.RUNNING));
      report.add("%7d  %10.1f  %17.1f  %20.1f".formatted(running, xactRate, updateRate, queryRate));
      report.addAll(breakdown);
      ids.forEach(id -> stack.executions().cancel(id, null));
    }
  }

  /** Whether the server counts statements (pg_stat_statements preloaded, see the bench script). */
  private static boolean statementsCounted(WorkerStack stack) {
    return stack
        .jdbc()
        .sql("select current_setting('shared_preload_libraries') like '%pg_stat_statements%'")
        .query(Boolean.class)
        .single();
  }

  /** The statements run in the database since the reset, per second, most frequent first. */
  private static List<String> statementsPerSecond(WorkerStack stack, double seconds) {
    return stack
        .jdbc()
        .sql(
            """
            select s.calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 70) as statement
            from pg_stat_statements s
            join pg_database d on d.oid = s.dbid
            where d.datname = current_database()
            order by s.calls desc
            """)
        .query(
            (rs, n) -> "         %6.2f/s  %s".formatted(rs.getLong(1) / seconds, rs.getString(2)))
        .list();
  }

  private static boolean clickHouseRuns(long id) {
    return WorkerStack.clickHouseRuns(id);
  }

  private static long pgTransactions(WorkerStack stack) {
    return stack
        .jdbc()
        .sql(
            "select xact_commit + xact_rollback from pg_stat_database"
                + " where datname = current_database()")
        .query(Long.class)
        .single();
  }

  private static long pgRowsUpdated(WorkerStack stack) {
    return stack
        .jdbc()
        .sql("select n_tup_upd from pg_stat_user_tables where relname = 'executions'")
        .query(Long.class)
        .single();
  }

  private static long clickHouseQueries() {
    return Long.parseLong(
        ClickHouseTestServer.shared()
            .query("SELECT value FROM system.events WHERE event = 'Query' FORMAT TSV")
            .strip());
  }
}
