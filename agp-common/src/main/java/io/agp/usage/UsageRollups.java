package io.agp.usage;

import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bookkeeper's statements over the usage tables: folding events into the hourly and daily
 * rollups, and deleting rollup rows past their retention. Both are safe when several bookkeepers
 * run them at once.
 */
public class UsageRollups {

  private static final String ROLL_UP = SqlFile.load("usage/roll_up");
  private static final String DELETE_OLD = SqlFile.load("usage/delete_old");

  /**
   * What one fold took of one tier: events, ended executions, interactive queries, bytes read and
   * server time.
   */
  public record Folded(
      String tier,
      long events,
      long executions,
      long interactive,
      long readBytes,
      long serverMillis) {}

  /** What one deletion did. */
  public record Deleted(long hours, long days, long budgets) {}

  private final JdbcClient jdbc;

  public UsageRollups(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Folds up to {@code batch} of the oldest events, in one statement (a transaction of its own
   * unless the caller holds one), and says what it took per tier.
   */
  public List<Folded> rollUp(int batch) {
    return jdbc.sql(ROLL_UP)
        .param("batch", batch)
        .query(
            (rs, n) ->
                new Folded(
                    rs.getString("tier"),
                    rs.getLong("events"),
                    rs.getLong("executions"),
                    rs.getLong("interactive"),
                    rs.getLong("read_bytes"),
                    rs.getLong("server_ms")))
        .list();
  }

  /**
   * Deletes hourly rows older than {@code hourRetention}, and daily rows older than {@code
   * dayRetention} whole UTC days.
   */
  public Deleted deleteOld(Duration hourRetention, int dayRetention) {
    return jdbc.sql(DELETE_OLD)
        .param("hourRetentionMillis", hourRetention.toMillis())
        .param("dayRetentionDays", dayRetention)
        .query(
            (rs, n) -> new Deleted(rs.getLong("hours"), rs.getLong("days"), rs.getLong("budgets")))
        .single();
  }
}
