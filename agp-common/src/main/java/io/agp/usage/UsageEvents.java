package io.agp.usage;

import io.agp.jdbc.SqlFile;
import java.util.Locale;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Records the usage the API sees end: interactive queries and result downloads. (An execution's end
 * is recorded by the database itself, in the transaction that ends it.) Each record is one insert
 * into {@code usage_events}; the bookkeeper folds it into the rollups ({@link UsageRollups}).
 */
public class UsageEvents {

  private static final String RECORD_EVENT = SqlFile.load("usage/record_event");

  /** The interactive APIs, as the events name them. */
  public enum Interactive {
    SYNC,
    CHPROXY;

    String kind() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How an interactive query ended. */
  public enum Outcome {
    SUCCEEDED,
    FAILED,
    CANCELED;

    String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * ClickHouse's figures of one query, as its answer or its query-log row tells them (zero when
   * unknown).
   */
  public record QueryFigures(
      long readRows, long readBytes, long resultBytes, long serverMillis, long peakMemoryBytes) {

    public static final QueryFigures NONE = new QueryFigures(0, 0, 0, 0, 0);
  }

  private final JdbcClient jdbc;

  public UsageEvents(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Records one sync run or proxy query of {@code owner} on {@code tier}. */
  public void recordQuery(
      Interactive api, String tier, String owner, Outcome outcome, QueryFigures figures) {
    record(tier, owner, api.kind(), outcome.text(), figures, 0);
  }

  /** Records that {@code owner} downloaded {@code bytes} of a result of {@code tier}. */
  public void recordDownload(String tier, String owner, long bytes) {
    record(tier, owner, "download", null, QueryFigures.NONE, bytes);
  }

  private void record(
      String tier,
      String owner,
      String kind,
      String outcome,
      QueryFigures figures,
      long downloadedBytes) {
    jdbc.sql(RECORD_EVENT)
        .param("tier", tier)
        .param("owner", owner)
        .param("kind", kind)
        .param("outcome", outcome)
        .param("readRows", figures.readRows())
        .param("readBytes", figures.readBytes())
        .param("resultBytes", figures.resultBytes())
        .param("downloadedBytes", downloadedBytes)
        .param("serverMillis", figures.serverMillis())
        .param("peakMemoryBytes", figures.peakMemoryBytes())
        .update();
  }
}
