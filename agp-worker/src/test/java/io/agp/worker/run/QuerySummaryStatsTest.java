package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.clickhouse.QuerySummary;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.QueryStats;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Servers from 22.5 on send ClickHouse's figures of a query in the X-ClickHouse-Summary header;
 * 18.16 does not, so a proxy adds the header as a newer server would.
 */
class QuerySummaryStatsTest {

  private static final String SUMMARY =
      "{\"read_rows\":\"123456\",\"read_bytes\":\"987654\",\"written_rows\":\"0\","
          + "\"written_bytes\":\"0\",\"total_rows_to_read\":\"123456\",\"result_rows\":\"0\","
          + "\"result_bytes\":\"0\",\"elapsed_ns\":\"42000000\"}";

  private static WorkerStack stack;
  private static ClickHouseHttpProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    proxy =
        new ClickHouseHttpProxy(
            Duration.ZERO,
            sql -> sql.contains("agp-summary") ? Map.of(QuerySummary.HEADER, SUMMARY) : Map.of());
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-summary").toUri().toString(),
                "agp.tiers.default.clickhouse.url",
                proxy.url(),
                "agp.tiers.default.read-query-log",
                "true"));
  }

  @AfterAll
  static void stop() {
    stack.close();
    proxy.close();
  }

  @Test
  void theSummaryOfASmallAnswerGivesTheFigures() {
    long id = stack.create("SELECT 'agp-summary', count() FROM numbers(123456)", "JSON", "default");

    Execution done = stack.awaitEnd(id);

    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.queryStats())
        .isEqualTo(new QueryStats(123_456, 987_654, null, 42L, QueryStats.Source.SUMMARY));
    // Final figures: nothing to look up in the query log.
    assertThat(awaitsQueryLog(id)).isFalse();
  }

  @Test
  void theSummaryOfAnAnswerLargerThanTheServersBufferIsNotTaken() {
    // Two megabytes of rows: the server sent its head, and the summary, when the first MiB was out.
    long id =
        stack.create(
            "SELECT 'agp-summary', number FROM numbers(200000)", "TabSeparated", "default");

    Execution done = stack.awaitEnd(id);

    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.result().bytes()).isGreaterThan(QuerySummary.SERVER_BUFFER_BYTES);
    assertThat(done.queryStats()).isNull();
    assertThat(awaitsQueryLog(id)).isTrue();
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
