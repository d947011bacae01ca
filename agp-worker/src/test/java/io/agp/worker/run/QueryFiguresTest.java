package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.clickhouse.QuerySummary;
import io.agp.execution.Progress;
import io.agp.execution.QueryStats;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Which of the figures at hand describe the end of a query. */
class QueryFiguresTest {

  private static final QuerySummary SUMMARY =
      new QuerySummary(1_000, 8_000, OptionalLong.of(3_000_000_000L), OptionalLong.empty());

  @Test
  void aSummaryOfASmallAnswerIsFinal() {
    RunningExecution run = run();
    run.readings().sampled(reading(900, 7_200, 2_500, 4096));

    QueryStats stats = QueryFigures.ofAnswer(run, Optional.of(SUMMARY), 100);

    // The peak memory, which the summary does not tell, comes from the readings.
    assertThat(stats)
        .isEqualTo(new QueryStats(1_000, 8_000, 4096L, 3_000L, QueryStats.Source.SUMMARY));
  }

  @Test
  void aSummaryBehindTheLastReadingWasTakenBeforeTheEnd() {
    RunningExecution run = run();
    run.readings().sampled(reading(5_000, 40_000, 9_000, 4096));

    QueryStats stats = QueryFigures.ofAnswer(run, Optional.of(SUMMARY), 100);

    assertThat(stats)
        .isEqualTo(new QueryStats(5_000, 40_000, 4096L, 9_000L, QueryStats.Source.PROGRESS));
  }

  @Test
  void aSummaryOfALargeAnswerIsNotFinal() {
    QueryStats stats =
        QueryFigures.ofAnswer(run(), Optional.of(SUMMARY), QuerySummary.SERVER_BUFFER_BYTES);

    assertThat(stats).isNull();
  }

  @Test
  void theLastReadingKeepsThePeakOfAllReadings() {
    RunningExecution run = run();
    run.readings().sampled(reading(10, 80, 1_000, 9_999));
    run.readings().sampled(reading(20, 160, 2_000, 5_000));

    assertThat(QueryFigures.ofAnswer(run, Optional.empty(), 10))
        .isEqualTo(new QueryStats(20, 160, 9_999L, 2_000L, QueryStats.Source.PROGRESS));
  }

  private static Progress reading(long rows, long bytes, long elapsedMillis, long peak) {
    return new Progress(rows, bytes, 0, elapsedMillis, peak / 2, peak);
  }

  private static RunningExecution run() {
    return new RunningExecution(RunningExecutionTest.claimed(1));
  }
}
