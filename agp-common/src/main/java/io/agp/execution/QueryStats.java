package io.agp.execution;

import java.util.Locale;

/**
 * ClickHouse's own figures of an ended query, and where they come from.
 *
 * @param peakMemoryBytes null where the source does not tell
 * @param elapsedMillis the query's run time on the server; null where the source does not tell
 */
public record QueryStats(
    long readRows, long readBytes, Long peakMemoryBytes, Long elapsedMillis, Source source) {

  /** Where the figures come from, from the most exact to the least. */
  public enum Source {
    /** The {@code X-ClickHouse-Summary} header, sent at the end of a query with a small answer. */
    SUMMARY,
    /** {@code system.query_log}, written by ClickHouse a few seconds after the query ended. */
    QUERY_LOG,
    /** The last reading of {@code system.processes} while the query ran: a second old at most. */
    PROGRESS;

    /** The name stored and shown, e.g. {@code query_log}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Source of(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT));
    }
  }
}
