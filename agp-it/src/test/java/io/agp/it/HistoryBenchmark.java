package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.jdbc.SqlFile;
import io.agp.testkit.MigratedDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Whether the executions table stays fast with months of history: fills it with {@code
 * agp.bench.rows} executions (10 million by default: 90 days of 1,000 users in 5 tiers, mostly
 * ended, 2,000 PENDING and 500 RUNNING among them), then runs every statement that reads it in
 * bulk, as the apps run them: each list filter of the API, the search, the queue figures, the
 * claim, and the bookkeeper's scans. Each runs 7 times; the median time and the plan of the last
 * run (EXPLAIN ANALYZE, BUFFERS) go to stdout and {@code target/bench-history.txt}. Statements that
 * write run in a transaction that is rolled back, so that every run sees the same table. Run with
 * {@code bench/history/run.sh}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
class HistoryBenchmark {

  private static final long ROWS = Long.getLong("agp.bench.rows", 10_000_000L);
  private static final int RUNS = 7;
  private static final double TARGET_MILLIS = 20;

  /** The bookkeeper's default batches: expiry 200, dead executions 100, query log and wipe 500. */
  private static final int EXPIRY_BATCH = 200;

  /** One statement as an app runs it: its file (and a fragment to fill in) and its parameters. */
  private record Case(String name, String sql, Map<String, Object> parameters) {}

  @Test
  void everyBulkReadStaysWithinItsBoundWithTenMillionRowsOfHistory() throws IOException {
    List<String> report = new ArrayList<>();
    List<String> over = new ArrayList<>();
    List<String> plans = new ArrayList<>();
    try (MigratedDatabase database = MigratedDatabase.create()) {
      JdbcClient jdbc = database.jdbc();
      long start = System.nanoTime();
      fill(jdbc);
      report.add(
          "filled %,d executions (%s of table and indexes) in %.0f s"
              .formatted(
                  ROWS,
                  jdbc.sql("select pg_size_pretty(pg_total_relation_size('executions'))")
                      .query(String.class)
                      .single(),
                  (System.nanoTime() - start) / 1e9));
      report.add("%-44s %10s %10s  %s".formatted("statement", "median ms", "max ms", "verdict"));
      for (Case c : cases()) {
        double[] millis = new double[RUNS];
        String plan = "";
        for (int i = 0; i < RUNS; i++) {
          List<String> lines = explain(database, c);
          plan = String.join("\n", lines);
          millis[i] = executionMillis(lines);
        }
        Arrays.sort(millis);
        double median = millis[RUNS / 2];
        if (median > TARGET_MILLIS) {
          over.add(c.name() + " (" + median + " ms)");
        }
        report.add(
            "%-44s %10.2f %10.2f  %s"
                .formatted(
                    c.name(),
                    median,
                    millis[RUNS - 1],
                    median <= TARGET_MILLIS ? "ok" : "OVER " + TARGET_MILLIS + " ms"));
        plans.add("== " + c.name());
        plans.add(plan);
      }
    }
    report.forEach(System.out::println);
    List<String> all = new ArrayList<>(report);
    all.add("");
    all.addAll(plans);
    Files.write(Path.of("target", "bench-history.txt"), all);
    assertThat(over).as("statements whose median is over " + TARGET_MILLIS + " ms").isEmpty();
  }

  /**
   * Fills the table in chunks: executions spread evenly over 90 days, newest last; 1,000 users, 5
   * tiers, 100,000 distinct queries, a label on one in ten (50 values, each on one in 500); ended
   * ones older than a day are EXPIRED (results cleaned) or FAILED/CANCELED, newer ones SUCCEEDED
   * with a result. The newest 2,500 are in flight. One in a hundred has a second reader.
   */
  private static void fill(JdbcClient jdbc) {
    long chunk = 1_000_000;
    for (long from = 1; from <= ROWS; from += chunk) {
      long to = Math.min(ROWS, from + chunk - 1);
      jdbc.sql(
              """
              insert into executions (query_id, query_hash, sql, format, tier, created_by, labels,
                                      status, attempt, created_at, updated_at, run_after,
                                      picked_at, completed_at, worker_id, lease_expires_at,
                                      result_key, result_rows, result_bytes, result_duration_ms,
                                      expires_at, error)
              select 'q' || (g % 100000), 'h' || (g % 100000), 'SELECT ' || (g % 100000),
                     'JSON', 'tier-' || (g % 5), 'user-' || (g % 1000),
                     case when g % 10 = 0 then jsonb_build_object('dashboard', 'd' || (g / 10 % 50))
                          else '{}'::jsonb end,
                     s.status, case when s.status = 'PENDING' then 0 else 1 end,
                     t.created, t.created, t.created,
                     case when s.status = 'PENDING' then null else t.created end,
                     case when s.status in ('PENDING', 'RUNNING') then null
                          else t.created + interval '2 seconds' end,
                     case when s.status = 'RUNNING' then 'w-' || (g % 20) end,
                     case when s.status = 'RUNNING' then now() + interval '1 minute' end,
                     case when s.status = 'SUCCEEDED' then 'results/' || g end,
                     case when s.status = 'SUCCEEDED' then 100 end,
                     case when s.status = 'SUCCEEDED' then 10000 end,
                     case when s.status in ('SUCCEEDED', 'EXPIRED') then 2000 end,
                     case when s.status = 'SUCCEEDED'
                          then t.created + interval '1 day' end,
                     case when s.status = 'FAILED' then 'Code: 60. Unknown table' end
              from generate_series(cast(:from as bigint), cast(:to as bigint)) as g
              cross join lateral (
                  select now() - (cast(:rows as bigint) - g) * (interval '90 days' / cast(:rows as bigint))
                      as created) t
              cross join lateral (
                  select case
                             when g > cast(:rows as bigint) - 500 then 'RUNNING'
                             when g > cast(:rows as bigint) - 2500 then 'PENDING'
                             when g % 50 = 0 then 'FAILED'
                             when g % 97 = 0 then 'CANCELED'
                             when t.created > now() - interval '1 day' then 'SUCCEEDED'
                             else 'EXPIRED'
                         end as status) s
              """)
          .param("from", from)
          .param("to", to)
          .param("rows", ROWS)
          .update();
    }
    jdbc.sql(
            """
            insert into execution_readers (execution_id, user_name, execution_created_at, joined_by)
            select id, 'user-' || ((id + 500) % 1000), created_at, 'collapse'
            from executions
            where id % 100 = 0
            """)
        .update();
    jdbc.sql("vacuum analyze executions").update();
    jdbc.sql("vacuum analyze execution_readers").update();
  }

  private static List<Case> cases() {
    String list = SqlFile.load("execution/list");
    String search = SqlFile.load("execution/search");
    List<Case> cases = new ArrayList<>();
    cases.add(listCase(list, "list, admin, no filter", Map.of()));
    cases.add(listCase(list, "list, a user's own and joined", Map.of("viewer", "user-7")));
    cases.add(listCase(list, "list, by status FAILED", Map.of("statuses", "FAILED")));
    cases.add(listCase(list, "list, by status PENDING", Map.of("statuses", "PENDING")));
    cases.add(listCase(list, "list, by tier", Map.of("tier", "tier-3")));
    cases.add(listCase(list, "list, by creator", Map.of("createdBy", "user-42")));
    cases.add(listCase(list, "list, by query_id", Map.of("queryId", "q4242")));
    cases.add(
        listCase(list, "list, by a label (1 in 500)", Map.of("labels", "{\"dashboard\": \"d7\"}")));
    cases.add(
        listCase(
            list,
            "list, a user, by a label",
            Map.of("viewer", "user-7", "labels", "{\"dashboard\": \"d7\"}")));
    cases.add(
        listCase(list, "list, by a label nobody has", Map.of("labels", "{\"dashboard\": \"x\"}")));
    cases.add(
        listCase(
            list,
            "list, created in a past hour",
            Map.of(
                "createdAfter", java.time.OffsetDateTime.now().minusDays(30).minusHours(1),
                "createdBefore", java.time.OffsetDateTime.now().minusDays(30))));
    cases.add(
        listCase(
            list,
            "list, a page deep in the past (cursor)",
            Map.of(
                "cursorCreatedAt", java.time.OffsetDateTime.now().minusDays(60), "cursorId", 1L)));
    cases.add(
        listCase(
            list, "list, a user, by status", Map.of("viewer", "user-7", "statuses", "FAILED")));
    cases.add(
        listCase(
            list,
            "list, a user, by status and tier",
            Map.of("viewer", "user-7", "statuses", "FAILED,CANCELED", "tier", "tier-2")));
    cases.add(
        new Case(
            "search, a query_id's past results",
            search.replace("ORDER_BY", "completed_at desc nulls last, id desc"),
            params(
                "queryId",
                "q4242",
                "queryHash",
                "h4242",
                "statuses",
                "SUCCEEDED,EXPIRED",
                "viewer",
                null,
                "limit",
                20)));
    cases.add(
        new Case(
            "find a reusable result",
            SqlFile.load("execution/find_reusable"),
            params(
                "queryId",
                "q4242",
                "queryHash",
                "h4242",
                "tier",
                "tier-2",
                "shareKey",
                "",
                "maxAgeMillis",
                3_600_000L)));
    cases.add(
        new Case(
            "queue position of a PENDING execution",
            SqlFile.load("execution/queue_position"),
            params("id", ROWS - 600)));
    cases.add(
        new Case(
            "typical duration of a query",
            SqlFile.load("execution/typical_duration"),
            params("id", ROWS - 600, "runs", 20)));
    cases.add(
        new Case("queue: in flight per tier", SqlFile.load("queue/count_in_flight"), params()));
    cases.add(
        new Case(
            "queue: ended per minute, last hour",
            SqlFile.load("queue/count_ended_per_minute"),
            params("minutes", 60)));
    cases.add(new Case("queue: running", SqlFile.load("queue/list_running"), params("limit", 100)));
    cases.add(
        new Case(
            "claim (400 PENDING of 200 users in the tier)",
            SqlFile.load("execution/claim"),
            params(
                "tier",
                "tier-1",
                "workerId",
                "bench",
                "limit",
                4,
                "lookahead",
                4,
                "maxRunningPerUser",
                0,
                "leaseMillis",
                60_000L)));
    cases.add(
        new Case(
            "create's in-flight look-up",
            SqlFile.load("execution/find_in_flight"),
            params("tier", "tier-1", "shareKey", "", "queryId", "q99")));
    cases.add(
        new Case(
            "bookkeeper: requeue dead",
            SqlFile.load("maintenance/requeue_dead"),
            params("limit", 100)));
    cases.add(
        new Case(
            "bookkeeper: expire ended",
            SqlFile.load("maintenance/expire_ended"),
            params("limit", EXPIRY_BATCH, "retentionMillis", 7L * 24 * 3_600_000)));
    cases.add(
        new Case(
            "bookkeeper: find expired results",
            SqlFile.load("maintenance/find_expired_results"),
            params("limit", EXPIRY_BATCH)));
    cases.add(
        new Case(
            "bookkeeper: delete expired",
            SqlFile.load("maintenance/delete_expired"),
            params("limit", EXPIRY_BATCH, "retentionMillis", 30L * 24 * 3_600_000)));
    cases.add(
        new Case(
            "bookkeeper: in flight per tier",
            SqlFile.load("maintenance/count_in_flight"),
            params()));
    cases.add(
        new Case(
            "bookkeeper: awaiting query_log",
            SqlFile.load("maintenance/find_awaiting_query_log"),
            params("limit", 500)));
    cases.add(
        new Case(
            "bookkeeper: parameters left",
            SqlFile.load("maintenance/wipe_parameters"),
            params("limit", 500)));
    cases.add(
        new Case(
            "bookkeeper: callbacks due",
            SqlFile.load("callback/claim_due"),
            params("limit", 100, "leaseMillis", 60_000L)));
    return cases;
  }

  private static Case listCase(String sql, String name, Map<String, Object> filters) {
    Map<String, Object> parameters =
        params(
            "viewer",
            null,
            "queryId",
            null,
            "statuses",
            null,
            "tier",
            null,
            "createdBy",
            null,
            "createdAfter",
            null,
            "createdBefore",
            null,
            "labels",
            "{}",
            "cursorCreatedAt",
            null,
            "cursorId",
            null,
            "limit",
            100);
    parameters.putAll(filters);
    return new Case(name, sql, parameters);
  }

  private static Map<String, Object> params(Object... pairs) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      parameters.put((String) pairs[i], pairs[i + 1]);
    }
    return parameters;
  }

  /** The plan of one run, in a transaction rolled back: writes change nothing. */
  private static List<String> explain(MigratedDatabase database, Case c) {
    return database
        .transactions()
        .execute(
            status -> {
              status.setRollbackOnly();
              JdbcClient.StatementSpec statement =
                  database.jdbc().sql("explain (analyze, buffers) " + c.sql());
              for (Map.Entry<String, Object> p : c.parameters().entrySet()) {
                statement = statement.param(p.getKey(), p.getValue());
              }
              return statement.query(String.class).list();
            });
  }

  private static double executionMillis(List<String> plan) {
    for (String line : plan) {
      if (line.startsWith("Execution Time:")) {
        return Double.parseDouble(line.replaceAll("[^0-9.]", ""));
      }
    }
    throw new IllegalStateException("no execution time in the plan");
  }
}
