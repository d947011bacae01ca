package io.agp.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.TestApi;
import io.agp.usage.DaySpans;
import io.agp.usage.UsageRollups;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Totals over a range of days are read as spans of days plus the single days at the range's edges:
 * for every kind of range (a day, a week, a quarter, more than a span of 64, starting and ending on
 * any day), each user's and each tier's totals equal the sums of their days, figure by figure, and
 * a quarter reads a row per user and part, a fourth of its days' rows or fewer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageSpansTest {

  private static final int USERS = 50;
  private static final int DAYS = 150;

  private final TestApi api = TestApi.start();
  private final JdbcClient jdbc = api.jdbc();
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);

  @BeforeAll
  void foldADayOfUsageForEachUserOverFiveMonths() {
    jdbc.sql(
            """
            insert into usage_events (at, tier, owner, kind, outcome, read_rows, read_bytes,
                                      result_bytes, downloaded_bytes, server_ms,
                                      peak_memory_bytes, queue_ms)
            select date_trunc('day', now()) - d * interval '1 day' + interval '1 minute',
                   case when u % 5 = 0 then 'gold' else 'default' end, 'user-' || u,
                   case when (u + d) % 9 = 0 then 'sync' else 'execution' end,
                   case when (u * d) % 7 = 0 then 'failed' else 'succeeded' end,
                   u * 1000 + d, u * 80000 + d * 13, u * 5 + d, d, (u * d) % 1000,
                   (u * 37 + d * 101) % 9999, d * 10
            from generate_series(0, :days - 1) d, generate_series(1, :users) u
            """)
        .param("days", DAYS)
        .param("users", USERS)
        .update();
    UsageRollups rollups = api.context.getBean(UsageRollups.class);
    while (!rollups.rollUp(5000).isEmpty()) {
      // until every event is folded
    }
    jdbc.sql("analyze usage_days, usage_spans").update();
  }

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void totalsOverAnyRangeEqualTheSumsOfTheirDays() {
    int[][] ranges = {{0, 0}, {3, 0}, {6, 0}, {89, 0}, {149, 0}, {100, 37}, {64, 1}, {70, 5}};
    for (int[] range : ranges) {
      LocalDate from = today.minusDays(range[0]);
      LocalDate to = today.minusDays(range[1]);
      assertThat(totals(UsageQueries.Grouping.USER, from, to))
          .as("each user's totals from %s to %s", from, to)
          .isEqualTo(daySums("owner", from, to))
          .hasSize(USERS);
      assertThat(totals(UsageQueries.Grouping.TIER, from, to))
          .as("each tier's totals from %s to %s", from, to)
          .isEqualTo(daySums("tier", from, to))
          .hasSize(2);
    }
  }

  @Test
  void aQuarterIsReadInAFewPartsOfEachUser() {
    LocalDate from = today.minusDays(89);
    DaySpans parts = DaySpans.cover(from, today);
    assertThat(parts.parts()).isLessThanOrEqualTo(19);
    String sql =
        UsageQueries.statement(
            UsageQueries.Granularity.DAY,
            UsageQueries.Grouping.USER,
            UsageQueries.Figure.READ_BYTES);
    List<String> plan =
        parts
            .bind(jdbc.sql("explain (analyze, buffers) " + sql))
            .param("tier", null)
            .param("owner", null)
            .param("limit", 20)
            .query((rs, n) -> rs.getString(1))
            .list();
    System.out.printf(
        "totals of a quarter in %d parts:%n  %s%n", parts.parts(), String.join("\n  ", plan));
    // Rows read from both rollups: a row per user and part, where the days alone are 90 per user.
    String append = plan.stream().filter(l -> l.contains("Append")).findFirst().orElseThrow();
    long read = Long.parseLong(append.replaceAll(".*actual time=[0-9.]+ rows=([0-9]+).*", "$1"));
    assertThat(read).isEqualTo((long) parts.parts() * USERS).isLessThan(90L * USERS / 4);
  }

  /** The totals per user or per tier, keyed by either, as the API reads them. */
  private Map<String, List<Long>> totals(
      UsageQueries.Grouping grouping, LocalDate from, LocalDate to) {
    return api
        .context
        .getBean(UsageQueries.class)
        .find(
            UsageQueries.Granularity.DAY,
            grouping,
            new UsageQueries.Filter(from, to, null, null),
            null,
            10_000)
        .stream()
        .collect(
            java.util.stream.Collectors.toMap(
                row -> row.owner() != null ? row.owner() : row.tier(), UsageSpansTest::figures));
  }

  /** The same figures summed over the days themselves. */
  private Map<String, List<Long>> daySums(String key, LocalDate from, LocalDate to) {
    String sql =
        """
        select KEY as key,
               sum(executions_succeeded + executions_failed + executions_canceled) as executions,
               sum(executions_succeeded) as executions_succeeded,
               sum(executions_failed) as executions_failed,
               sum(executions_canceled) as executions_canceled,
               sum(sync_runs) as sync_runs, sum(proxy_queries) as proxy_queries,
               sum(read_rows) as read_rows, sum(read_bytes) as read_bytes,
               sum(result_bytes) as result_bytes, sum(downloaded_bytes) as downloaded_bytes,
               sum(server_ms) as server_ms, max(peak_memory_bytes) as peak_memory_bytes,
               sum(queue_ms) as queue_ms
        from usage_days
        where day between :from and :to
        group by KEY
        """
            .replace("KEY", key.equals("owner") ? "owner" : "tier");
    return jdbc
        .sql(sql)
        .param("from", from)
        .param("to", to)
        .query((rs, n) -> Map.entry(rs.getString("key"), figures(rs)))
        .list()
        .stream()
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static List<Long> figures(UsageQueries.Row row) {
    return List.of(
        row.executions(),
        row.executionsSucceeded(),
        row.executionsFailed(),
        row.executionsCanceled(),
        row.syncRuns(),
        row.proxyQueries(),
        row.readRows(),
        row.readBytes(),
        row.resultBytes(),
        row.downloadedBytes(),
        row.serverMillis(),
        row.peakMemoryBytes(),
        row.queueMillis());
  }

  private static List<Long> figures(java.sql.ResultSet rs) throws java.sql.SQLException {
    return List.of(
        rs.getLong("executions"),
        rs.getLong("executions_succeeded"),
        rs.getLong("executions_failed"),
        rs.getLong("executions_canceled"),
        rs.getLong("sync_runs"),
        rs.getLong("proxy_queries"),
        rs.getLong("read_rows"),
        rs.getLong("read_bytes"),
        rs.getLong("result_bytes"),
        rs.getLong("downloaded_bytes"),
        rs.getLong("server_ms"),
        rs.getLong("peak_memory_bytes"),
        rs.getLong("queue_ms"));
  }
}
