package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The X-ClickHouse-Summary header as the versions since 22.5 write it. */
class QuerySummaryTest {

  @Test
  void readsTheFiguresOfARecentServer() {
    String header =
        "{\"read_rows\":\"100000\",\"read_bytes\":\"800000\",\"written_rows\":\"0\","
            + "\"written_bytes\":\"0\",\"total_rows_to_read\":\"100000\",\"result_rows\":\"1\","
            + "\"result_bytes\":\"264\",\"elapsed_ns\":\"2100708\"}";

    assertThat(QuerySummary.parse(header))
        .contains(
            new QuerySummary(100_000, 800_000, OptionalLong.of(2_100_708), OptionalLong.empty()));
  }

  @Test
  void readsThePeakMemoryOfTheVersionsThatSendIt() {
    String header =
        "{\"read_rows\":\"1\",\"read_bytes\":\"1\",\"written_rows\":\"0\",\"written_bytes\":\"0\","
            + "\"total_rows_to_read\":\"0\",\"elapsed_ns\":\"662334\",\"peak_memory_usage\":\"4096\"}";

    assertThat(QuerySummary.parse(header).orElseThrow().peakMemoryBytes()).hasValue(4096);
  }

  @Test
  void aSummaryOfZerosOrWithoutTheReadFiguresIsNone() {
    // What servers before 22.5 send unless asked for progress headers.
    assertThat(
            QuerySummary.parse(
                "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"0\","
                    + "\"written_bytes\":\"0\",\"total_rows_to_read\":\"0\"}"))
        .isEmpty();
    assertThat(QuerySummary.parse("{\"written_rows\":\"5\"}")).isEmpty();
    assertThat(QuerySummary.parse("not json")).isEmpty();
    assertThat(QuerySummary.parse(null)).isEmpty();
    assertThat(QuerySummary.parse("{\"read_rows\":\"99999999999999999999\",\"read_bytes\":\"1\"}"))
        .isEmpty();
  }
}
