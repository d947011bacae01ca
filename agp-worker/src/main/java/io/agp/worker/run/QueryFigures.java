package io.agp.worker.run;

import io.agp.clickhouse.QuerySummary;
import io.agp.execution.Progress;
import io.agp.execution.QueryStats;
import java.util.Optional;

/**
 * ClickHouse's own figures of an attempt's query once it ended, from the best source the worker
 * has: the summary header of a complete answer when it holds the end of the query, else the last
 * progress reading. (The bookkeeper may replace the latter with system.query_log's later.)
 */
final class QueryFigures {

  private QueryFigures() {}

  /**
   * The figures of a query whose answer ended cleanly.
   *
   * @param summary the summary header of the answer, if the server sent one
   * @param answerBytes the size of the answer as ClickHouse sent it
   * @return null when nothing is known of the query
   */
  static QueryStats ofAnswer(
      RunningExecution run, Optional<QuerySummary> summary, long answerBytes) {
    Progress last = run.readings().latest();
    if (summary.isPresent() && isFinal(summary.get(), answerBytes, last)) {
      QuerySummary s = summary.get();
      Long peak =
          s.peakMemoryBytes().isPresent()
              ? Long.valueOf(s.peakMemoryBytes().getAsLong())
              : last == null ? null : last.peakMemoryBytes();
      return new QueryStats(
          s.readRows(),
          s.readBytes(),
          peak,
          s.elapsedNanos().isPresent() ? s.elapsedNanos().getAsLong() / 1_000_000 : null,
          QueryStats.Source.SUMMARY);
    }
    return ofProgress(run);
  }

  /** The figures of the last progress reading; null when there was none. */
  static QueryStats ofProgress(RunningExecution run) {
    Progress last = run.readings().latest();
    if (last == null) {
      return null;
    }
    return new QueryStats(
        last.rows(),
        last.bytes(),
        last.peakMemoryBytes(),
        last.elapsedMillis(),
        QueryStats.Source.PROGRESS);
  }

  /**
   * Whether the summary was written at the end of the query. The server writes it with the head of
   * its answer, which leaves once its first output buffer fills: only an answer smaller than that
   * buffer had its head wait for the end. A server may also flush earlier (a format that flushes
   * per block); a summary behind a progress reading was certainly taken before the end.
   */
  private static boolean isFinal(QuerySummary summary, long answerBytes, Progress last) {
    if (!QuerySummary.writtenAtEnd(answerBytes)) {
      return false;
    }
    if (last == null) {
      return true;
    }
    boolean behind =
        summary.readRows() < last.rows()
            || summary.readBytes() < last.bytes()
            || (summary.elapsedNanos().isPresent()
                && summary.elapsedNanos().getAsLong() / 1_000_000 < last.elapsedMillis());
    return !behind;
  }
}
