package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.usage.UsageQueries;
import io.agp.jdbc.SqlFile;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.usage.DaySpans;
import io.agp.usage.UsageRollups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Whether the usage answers stay fast over months of history: records {@code agp.bench.rows} usage
 * events (10 million by default: 90 days of 1,000 users in 5 tiers, as the history benchmark's
 * executions), folds them with the bookkeeper's statement (its default batch, timed), checks that
 * the rollups add up to the events, then times {@code GET /v1/usage} over HTTP for the questions an
 * operator asks of 90 days: every user's totals, the top 10 by a figure, one user's days, the
 * tiers. Each is asked 10 times untimed, then 21 times; the median must be within 50 ms. Run with
 * {@code bench/usage/run.sh}; figures to stdout and {@code target/bench-usage.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
class UsageBenchmark {

  private static final long ROWS = Long.getLong("agp.bench.rows", 10_000_000L);
  private static final int BATCH = Integer.getInteger("agp.bench.batch", 5000);
  private static final int RUNS = 21;

  /** Requests of each question before those timed: the API's code compiled, as it runs all day. */
  private static final int WARM_UP = 10;

  private static final double BOUND_MS = 50;

  @Test
  void answersAnOperatorsQuestionsOverNinetyDaysWithinFiftyMilliseconds() throws IOException {
    List<String> report = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    List<String> plans = new ArrayList<>();
    Map<String, Object> properties = new HashMap<>();
    properties.put("agp.tiers.default.clickhouse.url", ClickHouseTestServer.shared().httpUrl());
    properties.put("logging.level.io.agp", "WARN");
    // The benchmark folds the events itself, to time the fold alone.
    properties.put("agp.bookkeeper.usage.interval", "1h");
    try (AgpStack stack = AgpStack.start(properties)) {
      DriverManagerDataSource dataSource = new DriverManagerDataSource(stack.jdbcUrl());
      JdbcClient jdbc = JdbcClient.create(dataSource);
      long start = System.nanoTime();
      fill(jdbc);
      report.add(
          "recorded %,d usage events in %.0f s".formatted(ROWS, (System.nanoTime() - start) / 1e9));
      Map<String, Object> recorded = totals(jdbc, "usage_events");

      UsageRollups rollups = new UsageRollups(jdbc);
      start = System.nanoTime();
      long folded = 0;
      long n;
      do {
        n = rollups.rollUp(BATCH).stream().mapToLong(UsageRollups.Folded::events).sum();
        folded += n;
      } while (n > 0);
      double foldSeconds = (System.nanoTime() - start) / 1e9;
      report.add(
          "folded %,d events in batches of %,d: %.0f s, %,.0f events/s; %,d daily rows (%s)"
              .formatted(
                  folded,
                  BATCH,
                  foldSeconds,
                  folded / foldSeconds,
                  jdbc.sql("select count(*) from usage_days").query(Long.class).single(),
                  jdbc.sql("select pg_size_pretty(pg_total_relation_size('usage_days'))")
                      .query(String.class)
                      .single()));
      assertThat(folded).isEqualTo(ROWS);
      assertThat(totals(jdbc, "usage_days")).isEqualTo(recorded);
      // The state autovacuum keeps the rollups in: a fold rewrites its rows many times over.
      jdbc.sql("vacuum analyze usage_days").update();
      jdbc.sql("vacuum analyze usage_spans").update();

      ApiClient client = new ApiClient(stack::apiUrl);
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      plans.addAll(
          new TransactionTemplate(new DataSourceTransactionManager(dataSource))
              .execute(
                  status -> {
                    // As the API reads it (UsageQueries): without parallel workers.
                    jdbc.sql(SqlFile.load("usage/plan_serially")).update();
                    return planOfEveryUsersTotals(jdbc, today.minusDays(89), today);
                  }));
      String range = "from=" + today.minusDays(89) + "&to=" + today;
      Map<String, String> questions = new java.util.LinkedHashMap<>();
      questions.put("every user's totals, 90 days (JSON)", "/v1/usage?group_by=user&" + range);
      questions.put(
          "every user's totals, 90 days (CSV)", "/v1/usage?group_by=user&format=csv&" + range);
      questions.put(
          "top 10 users by bytes read, 90 days",
          "/v1/usage?group_by=user&top=10&order_by=read_bytes&" + range);
      questions.put(
          "top 10 users by server time, 90 days",
          "/v1/usage?group_by=user&top=10&order_by=server_seconds&" + range);
      questions.put("one user's days, 90 days", "/v1/usage?user=user-7&" + range);
      questions.put("the tiers' totals, 90 days", "/v1/usage?group_by=tier&" + range);
      report.add(
          "%-44s %10s %10s %8s  %s".formatted("question", "median ms", "max ms", "rows", ""));
      for (Map.Entry<String, String> question : questions.entrySet()) {
        double[] millis = new double[RUNS];
        int rows = 0;
        for (int i = 0; i < WARM_UP; i++) {
          client.get(question.getValue());
        }
        for (int i = 0; i < RUNS; i++) {
          long t = System.nanoTime();
          ApiClient.Reply reply = client.get(question.getValue());
          millis[i] = (System.nanoTime() - t) / 1e6;
          assertThat(reply.status()).as(question.getValue()).isEqualTo(200);
          rows =
              reply.json() != null
                  ? reply.json().get("rows").size()
                  : (int) reply.text().lines().count() - 1;
        }
        Arrays.sort(millis);
        double median = millis[RUNS / 2];
        if (median > BOUND_MS) {
          missed.add(question.getKey() + " (" + median + " ms)");
        }
        report.add(
            "%-44s %10.2f %10.2f %8d  %s"
                .formatted(
                    question.getKey(),
                    median,
                    millis[RUNS - 1],
                    rows,
                    median <= BOUND_MS ? "met" : "NOT MET (> " + BOUND_MS + " ms)"));
      }
    }
    report.forEach(System.out::println);
    plans.forEach(System.out::println);
    List<String> all = new ArrayList<>(report);
    all.addAll(plans);
    Files.write(Path.of("target", "bench-usage.txt"), all);
    assertThat(missed).as("answers whose median is over " + BOUND_MS + " ms").isEmpty();
  }

  /** The plan of every user's totals over the range, as the API runs it (the third run's). */
  private static List<String> planOfEveryUsersTotals(
      JdbcClient jdbc, LocalDate from, LocalDate to) {
    DaySpans parts = DaySpans.cover(from, to);
    String sql =
        UsageQueries.statement(UsageQueries.Granularity.DAY, UsageQueries.Grouping.USER, null);
    List<String> plan = List.of();
    for (int i = 0; i < 3; i++) {
      plan =
          parts
              .bind(jdbc.sql("explain (analyze, buffers) " + sql))
              .param("tier", null)
              .param("owner", null)
              .param("limit", 10_001)
              .query(String.class)
              .list();
    }
    List<String> lines = new ArrayList<>();
    lines.add("== every user's totals, %s to %s, in %d parts".formatted(from, to, parts.parts()));
    lines.addAll(plan);
    return lines;
  }

  /**
   * Events spread evenly over the last 90 days, each user in one tier (user-i in tier-(i % 5)), as
   * the history benchmark's executions: 85 in 100 an execution's end (one in 50 failed, one in 97
   * canceled), 10 a download, 5 an interactive query.
   */
  private static void fill(JdbcClient jdbc) {
    long chunk = 1_000_000;
    for (long from = 1; from <= ROWS; from += chunk) {
      long to = Math.min(ROWS, from + chunk - 1);
      jdbc.sql(
              """
              insert into usage_events (at, tier, owner, kind, outcome, read_rows, read_bytes,
                                        result_bytes, downloaded_bytes, server_ms,
                                        peak_memory_bytes, queue_ms)
              select now() - (cast(:rows as bigint) - g) * (interval '90 days' / cast(:rows as bigint)),
                     'tier-' || (g % 5), 'user-' || (g % 1000), k.kind,
                     case when k.kind = 'download' then null
                          when g % 50 = 0 then 'failed'
                          when g % 97 = 0 then 'canceled'
                          else 'succeeded' end,
                     case when k.kind = 'download' then 0 else g % 100000 end,
                     case when k.kind = 'download' then 0 else (g % 100000) * 80 end,
                     case when k.kind = 'execution' then 10000 else 0 end,
                     case when k.kind = 'download' then 10000 else 0 end,
                     case when k.kind = 'download' then 0 else g % 3000 end,
                     (g % 1000) * 1048576,
                     case when k.kind = 'execution' then g % 50 else 0 end
              from generate_series(cast(:from as bigint), cast(:to as bigint)) as g
              cross join lateral (
                  select case when g % 100 < 85 then 'execution'
                              when g % 100 < 95 then 'download'
                              when g % 2 = 0 then 'sync'
                              else 'chproxy' end as kind) k
              """)
          .param("from", from)
          .param("to", to)
          .param("rows", ROWS)
          .update();
    }
  }

  /** Executions, bytes read, server time and bytes downloaded of the events, or of the days. */
  private static Map<String, Object> totals(JdbcClient jdbc, String table) {
    String sql =
        table.equals("usage_events")
            ? """
              select count(*) filter (where kind = 'execution') as executions,
                     cast(sum(read_bytes) as bigint) as bytes,
                     cast(sum(server_ms) as bigint) as server_ms,
                     cast(sum(downloaded_bytes) as bigint) as downloaded
              from usage_events
              """
            : """
              select cast(sum(executions_succeeded + executions_failed + executions_canceled)
                          as bigint) as executions,
                     cast(sum(read_bytes) as bigint) as bytes,
                     cast(sum(server_ms) as bigint) as server_ms,
                     cast(sum(downloaded_bytes) as bigint) as downloaded
              from usage_days
              """;
    return jdbc.sql(sql).query().singleRow();
  }
}
