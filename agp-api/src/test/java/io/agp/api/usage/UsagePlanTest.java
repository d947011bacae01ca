package io.agp.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.TestApi;
import io.agp.jdbc.SqlFile;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The admin's question "totals per user over a range of days, top N or all", on a daily rollup of
 * 1,000 users × 90 days (the default retention), then × 400: answered from usage_days in well under
 * a second; a short range reads only its days, through the primary key's day range (over most of
 * the table PostgreSQL reads it all, in parallel, which it finds cheaper). Prints the plans and
 * times, for the record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsagePlanTest {

  private static final int USERS = 1000;
  private static final int DAYS = 90;

  private final TestApi api = TestApi.start();
  private final JdbcClient jdbc = api.jdbc();
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);

  @BeforeAll
  void fillTheRollup() {
    fill(0, DAYS);
  }

  /** Rows of every user for the days {@code first} to {@code last - 1} before today. */
  private void fill(int first, int last) {
    jdbc.sql(
            """
            insert into usage_days (day, tier, owner, executions_succeeded, executions_failed,
                                    read_rows, read_bytes, result_bytes, server_ms,
                                    peak_memory_bytes, queue_ms)
            select cast(:today as date) - d, case when u % 10 = 0 then 'gold' else 'default' end,
                   'user-' || u, 1 + (u * d) % 7, (u + d) % 2, u * 1000 + d, u * 80000 + d * 13,
                   u * 5 + d, (u * d) % 100000, u * 4096, d * 10
            from generate_series(:first, :last - 1) d, generate_series(1, :users) u
            """)
        .param("today", today)
        .param("first", first)
        .param("last", last)
        .param("users", USERS)
        .update();
    jdbc.sql("analyze usage_days").update();
  }

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void totalsPerUserReadTheDayRangeThroughThePrimaryKey() {
    String sumPerUser = SqlFile.load("usage/sum_days_per_user");
    String topByReadBytes = sumPerUser.replace("ORDER_BY", "read_bytes desc,");
    String all = sumPerUser.replace("ORDER_BY", "");

    // A week of the 90 days: only those days' rows are read, through the primary key.
    List<String> week = explain(topByReadBytes, today.minusDays(6), today, 20);
    assertThat(String.join("\n", week)).contains("usage_days_pkey");
    assertThat(executionMillis(week)).isLessThan(1000);

    // The whole 90 days, top 20 and every user: every row is read once, whichever way.
    List<String> quarterTop = explain(topByReadBytes, today.minusDays(DAYS - 1), today, 20);
    List<String> quarterAll = explain(all, today.minusDays(DAYS - 1), today, 10_001);
    assertThat(executionMillis(quarterTop)).isLessThan(1000);
    assertThat(executionMillis(quarterAll)).isLessThan(1000);

    List<Long> counts =
        jdbc.sql(all)
            .param("from", today.minusDays(DAYS - 1))
            .param("to", today)
            .param("tier", null)
            .param("owner", null)
            .param("limit", 10_001)
            .query((rs, n) -> rs.getLong("executions"))
            .list();
    assertThat(counts).hasSize(USERS);

    // Kept for 400 days: 90 days of them, top 20 and every user.
    fill(DAYS, 400);
    List<String> kept = explain(topByReadBytes, today.minusDays(DAYS - 1), today, 20);
    assertThat(executionMillis(kept)).isLessThan(1000);
    assertThat(executionMillis(explain(all, today.minusDays(DAYS - 1), today, 10_001)))
        .isLessThan(1000);
    // The same through the primary key's day range, forced, for the record.
    api.context
        .getBean(TransactionTemplate.class)
        .executeWithoutResult(
            status -> {
              jdbc.sql("set local enable_seqscan = off").update();
              explain(topByReadBytes, today.minusDays(DAYS - 1), today, 20);
            });
  }

  private List<String> explain(String sql, LocalDate from, LocalDate to, int limit) {
    // Warm: the figures are those of a query whose pages are in memory, as a repeated one's are.
    for (int i = 0; i < 3; i++) {
      plan(sql, from, to, limit);
    }
    List<String> plan = plan(sql, from, to, limit);
    long rows = jdbc.sql("select count(*) from usage_days").query(Long.class).single();
    System.out.printf(
        "usage plan, %s to %s, limit %d, %d rows of %d users:%n  %s%n",
        from, to, limit, rows, USERS, String.join("\n  ", plan));
    return plan;
  }

  private List<String> plan(String sql, LocalDate from, LocalDate to, int limit) {
    return jdbc.sql("explain (analyze, buffers) " + sql)
        .param("from", from)
        .param("to", to)
        .param("tier", null)
        .param("owner", null)
        .param("limit", limit)
        .query((rs, n) -> rs.getString(1))
        .list();
  }

  private static double executionMillis(List<String> plan) {
    String line =
        plan.stream().filter(l -> l.startsWith("Execution Time:")).findFirst().orElseThrow();
    return Double.parseDouble(line.replaceAll("[^0-9.]", ""));
  }
}
