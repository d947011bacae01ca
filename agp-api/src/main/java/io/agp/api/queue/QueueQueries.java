package io.agp.api.queue;

import io.agp.jdbc.SqlFile;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the queues of every tier hold, for operators: in-flight counts, what ended minute by minute,
 * and who runs what. One SQL file per method, under {@code sql/queue/}; each reads a partial or
 * covering index, so that its cost follows the executions in flight or ended in the window, not the
 * table.
 */
public class QueueQueries {

  private static final String COUNT_IN_FLIGHT = SqlFile.load("queue/count_in_flight");
  private static final String COUNT_ENDED_PER_MINUTE = SqlFile.load("queue/count_ended_per_minute");
  private static final String LIST_RUNNING = SqlFile.load("queue/list_running");

  private final JdbcClient jdbc;

  public QueueQueries(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * One tier's in-flight executions.
   *
   * @param oldestPendingMillis how long the oldest PENDING execution has waited; null when none
   */
  public record InFlight(String tier, long pending, long running, Long oldestPendingMillis) {}

  /** The executions of a tier that ended in one minute, by outcome. */
  public record EndedInMinute(
      String tier, Instant minute, long succeeded, long failed, long canceled) {}

  /**
   * A RUNNING execution.
   *
   * @param totalRows null when ClickHouse does not know them
   */
  public record Running(
      long id,
      String tier,
      String createdBy,
      String queryId,
      int attempt,
      Instant pickedAt,
      long runningMillis,
      Long rows,
      Long totalRows) {}

  /** The tiers with executions in flight. */
  public List<InFlight> countInFlight() {
    return jdbc.sql(COUNT_IN_FLIGHT)
        .query(
            (rs, n) ->
                new InFlight(
                    rs.getString("tier"),
                    rs.getLong("pending"),
                    rs.getLong("running"),
                    nullableLong(rs, "oldest_pending_ms")))
        .list();
  }

  /** The minutes of the last {@code minutes} (the current one included) in which some ended. */
  public List<EndedInMinute> countEndedPerMinute(int minutes) {
    return jdbc.sql(COUNT_ENDED_PER_MINUTE)
        .param("minutes", minutes)
        .query(
            (rs, n) ->
                new EndedInMinute(
                    rs.getString("tier"),
                    rs.getObject("minute", OffsetDateTime.class).toInstant(),
                    rs.getLong("succeeded"),
                    rs.getLong("failed"),
                    rs.getLong("canceled")))
        .list();
  }

  /** Up to {@code limit} RUNNING executions, longest running first. */
  public List<Running> listRunning(int limit) {
    return jdbc.sql(LIST_RUNNING)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new Running(
                    rs.getLong("id"),
                    rs.getString("tier"),
                    rs.getString("created_by"),
                    rs.getString("query_id"),
                    rs.getInt("attempt"),
                    rs.getObject("picked_at", OffsetDateTime.class).toInstant(),
                    rs.getLong("running_ms"),
                    nullableLong(rs, "progress_rows"),
                    nullableLong(rs, "progress_total_rows")))
        .list();
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }
}
