package io.agp.usage;

import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Records the usage the API sees end: interactive queries and result downloads. (An execution's end
 * is recorded by the database itself, in the transaction that ends it.) Each record is one insert
 * into {@code usage_events}, which the bookkeeper folds into the rollups ({@link UsageRollups}); a
 * query whose figures are to come from {@code system.query_log} waits apart until the bookkeeper
 * completes them (or gives up on them) and moves it into the journal.
 */
public class UsageEvents {

  private static final String RECORD_EVENT = SqlFile.load("usage/record_event");
  private static final String RECORD_AWAITING_QUERY_LOG =
      SqlFile.load("usage/record_awaiting_query_log");
  private static final String FIND_AWAITING_QUERY_LOG =
      SqlFile.load("usage/find_awaiting_query_log");
  private static final String RECORD_QUERY_LOG_FIGURES =
      SqlFile.load("usage/record_query_log_figures");
  private static final String STOP_AWAITING_QUERY_LOG =
      SqlFile.load("usage/stop_awaiting_query_log");

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

  /**
   * An interactive query whose figures are to be looked up in {@code system.query_log}.
   *
   * @param eventId its place among the queries waiting
   * @param queryId its ClickHouse query id
   * @param endedAt when the API saw it end, by the database's clock
   */
  public record AwaitingQueryLog(long eventId, String tier, String queryId, Instant endedAt) {}

  private final JdbcClient jdbc;

  public UsageEvents(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records one sync run or proxy query of {@code owner} on {@code tier}.
   *
   * @param awaitQueryLogOf the query's ClickHouse id when its figures are to come from {@code
   *     system.query_log}: it waits apart, and enters the journal once they came or were given up
   *     on; null when {@code figures} are final
   */
  public void recordQuery(
      Interactive api,
      String tier,
      String owner,
      Outcome outcome,
      QueryFigures figures,
      String awaitQueryLogOf) {
    if (awaitQueryLogOf == null) {
      record(tier, owner, api.kind(), outcome.text(), figures, 0);
      return;
    }
    statement(RECORD_AWAITING_QUERY_LOG, tier, owner, api.kind(), outcome.text(), figures)
        .param("queryId", awaitQueryLogOf)
        .update();
  }

  /** Records that {@code owner} downloaded {@code bytes} of a result of {@code tier}. */
  public void recordDownload(String tier, String owner, long bytes) {
    record(tier, owner, "download", null, QueryFigures.NONE, bytes);
  }

  /** Up to {@code limit} interactive queries awaiting their figures from system.query_log. */
  public List<AwaitingQueryLog> findAwaitingQueryLog(int limit) {
    return jdbc.sql(FIND_AWAITING_QUERY_LOG)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new AwaitingQueryLog(
                    rs.getLong("id"),
                    rs.getString("tier"),
                    rs.getString("query_id"),
                    rs.getObject("at", OffsetDateTime.class).toInstant()))
        .list();
  }

  /**
   * Records the figures system.query_log gave of these interactive queries (by {@link
   * AwaitingQueryLog#eventId}), moving those still waiting into the journal; the bytes their
   * clients were given stay as recorded.
   *
   * @return how many queries were recorded
   */
  public int recordQueryLogFigures(Map<Long, QueryFigures> figures) {
    if (figures.isEmpty()) {
      return 0;
    }
    int n = figures.size();
    Long[] ids = new Long[n];
    Long[] readRows = new Long[n];
    Long[] readBytes = new Long[n];
    Long[] peakMemoryBytes = new Long[n];
    Long[] serverMillis = new Long[n];
    int i = 0;
    for (Map.Entry<Long, QueryFigures> entry : figures.entrySet()) {
      ids[i] = entry.getKey();
      readRows[i] = entry.getValue().readRows();
      readBytes[i] = entry.getValue().readBytes();
      peakMemoryBytes[i] = entry.getValue().peakMemoryBytes();
      serverMillis[i] = entry.getValue().serverMillis();
      i++;
    }
    return jdbc.sql(RECORD_QUERY_LOG_FIGURES)
        .param("ids", ids)
        .param("readRows", readRows)
        .param("readBytes", readBytes)
        .param("peakMemoryBytes", peakMemoryBytes)
        .param("serverMillis", serverMillis)
        .update();
  }

  /**
   * Stops looking up the figures of queries that ended longer than {@code after} ago, and of the
   * waiting queries {@code ids} at once: they enter the journal with the figures their answers
   * gave.
   *
   * @return how many queries were given up on
   */
  public int stopAwaitingQueryLog(Duration after, Collection<Long> ids) {
    return jdbc.sql(STOP_AWAITING_QUERY_LOG)
        .param("afterMillis", after.toMillis())
        .param("ids", ids.toArray(Long[]::new))
        .update();
  }

  private void record(
      String tier,
      String owner,
      String kind,
      String outcome,
      QueryFigures figures,
      long downloadedBytes) {
    statement(RECORD_EVENT, tier, owner, kind, outcome, figures)
        .param("downloadedBytes", downloadedBytes)
        .update();
  }

  /** One of the statements that record a usage, with what they all bind. */
  private JdbcClient.StatementSpec statement(
      String sql, String tier, String owner, String kind, String outcome, QueryFigures figures) {
    return jdbc.sql(sql)
        .param("tier", tier)
        .param("owner", owner)
        .param("kind", kind)
        .param("outcome", outcome)
        .param("readRows", figures.readRows())
        .param("readBytes", figures.readBytes())
        .param("resultBytes", figures.resultBytes())
        .param("serverMillis", figures.serverMillis())
        .param("peakMemoryBytes", figures.peakMemoryBytes());
  }
}
