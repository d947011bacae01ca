package io.agp.refresh;

import io.agp.execution.ExecutionStatus;
import io.agp.jdbc.SqlFile;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The schedules table, one SQL file per method under {@code sql/schedule/}. Every read and write a
 * caller makes names the owner it acts for (null for an admin), in the statement itself, so that a
 * forgotten check in Java cannot reach another user's schedule.
 */
public class ScheduleRepository {

  private static final String CREATE = SqlFile.load("schedule/create");
  private static final String GET = SqlFile.load("schedule/get");
  private static final String LIST = SqlFile.load("schedule/list");
  private static final String COUNT_OF_OWNER = SqlFile.load("schedule/count_of_owner");
  private static final String LOCK_OWNER = SqlFile.load("schedule/lock_owner");
  private static final String UPDATE = SqlFile.load("schedule/update");
  private static final String DELETE = SqlFile.load("schedule/delete");
  private static final String SET_PAUSED = SqlFile.load("schedule/set_paused");
  private static final String CLAIM_DUE = SqlFile.load("schedule/claim_due");
  private static final String RECORD_RUN = SqlFile.load("schedule/record_run");
  private static final String COUNT_BY_STATE = SqlFile.load("schedule/count_by_state");

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  // Thread-safe once built.
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final JdbcClient jdbc;
  private final RowMapper<Schedule> mapper = (rs, row) -> map(rs);

  public ScheduleRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a schedule; its id. */
  public long create(NewSchedule schedule) {
    return definition(jdbc.sql(CREATE), schedule).query(Long.class).single();
  }

  /** The schedule, if {@code owner} made it (any, when null). */
  public Optional<Schedule> get(long id, String owner) {
    return jdbc.sql(GET).param("id", id).param("owner", owner).query(mapper).optional();
  }

  /**
   * Up to {@code limit} schedules of {@code owner} (every one, when null), newest first, of ids
   * below {@code before}.
   */
  public List<Schedule> list(String owner, long before, int limit) {
    return jdbc.sql(LIST)
        .param("owner", owner)
        .param("before", before)
        .param("limit", limit)
        .query(mapper)
        .list();
  }

  /** How many schedules a user has. */
  public long countOfOwner(String owner) {
    return jdbc.sql(COUNT_OF_OWNER).param("owner", owner).query(Long.class).single();
  }

  /**
   * Takes the turn of a user's schedule creates until the current transaction ends, so that a count
   * against the limit per user and the insert that follows it are not interleaved with another's.
   */
  public void lockOwner(String owner) {
    jdbc.sql(LOCK_OWNER).param("owner", owner).query(Boolean.class).single();
  }

  /**
   * Replaces a schedule's definition, if {@code owner} made it (any, when null); false when there
   * is no such schedule. The owner recorded with it does not change.
   */
  public boolean update(long id, String owner, NewSchedule schedule) {
    return definition(jdbc.sql(UPDATE), schedule)
        .param("id", id)
        .param("owner", owner)
        .query(Long.class)
        .optional()
        .isPresent();
  }

  /** Deletes a schedule, if {@code owner} made it (any, when null); false when there was none. */
  public boolean delete(long id, String owner) {
    return jdbc.sql(DELETE).param("id", id).param("owner", owner).update() > 0;
  }

  /**
   * Pauses a schedule, or resumes it with its next run at {@code nextRunAt}; false when {@code
   * owner} (any, when null) has no such schedule.
   */
  public boolean setPaused(long id, String owner, boolean paused, Instant nextRunAt) {
    return jdbc.sql(SET_PAUSED)
        .param("id", id)
        .param("owner", owner)
        .param("paused", paused)
        .param("nextRunAt", time(nextRunAt))
        .query(Long.class)
        .optional()
        .isPresent();
  }

  /**
   * The schedule due longest ago at {@code now}, locked until the current transaction ends, leaving
   * out those another transaction holds and those of {@code passed}. Call it in a transaction.
   */
  public Optional<Schedule> claimDue(Instant now, Collection<Long> passed) {
    return jdbc.sql(CLAIM_DUE)
        .param("now", time(now))
        .param("passed", passed.toArray(Long[]::new))
        .query(mapper)
        .optional();
  }

  /** How a run went. */
  public enum Outcome {
    /** It created an execution. */
    CREATED,
    /** The previous run's execution was still in flight: it stands for this run. */
    IN_FLIGHT,
    /** The tier refused it (its policy or its cap), or another query held its query_id. */
    REFUSED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A run of the schedule due at {@code due}, taken at {@code ranAt}, and its next run; false when
   * the schedule no longer had that run due (another bookkeeper ran it, or it was paused).
   *
   * @param executionId the execution created or found in flight; null when refused
   * @param error why it was refused; null otherwise
   */
  public boolean recordRun(
      long id,
      Instant due,
      Instant ranAt,
      Instant nextRunAt,
      Outcome outcome,
      Long executionId,
      String error) {
    return jdbc.sql(RECORD_RUN)
            .param("id", id)
            .param("due", time(due))
            .param("ranAt", time(ranAt))
            .param("nextRunAt", time(nextRunAt))
            .param("outcome", outcome.label())
            .param("executionId", executionId)
            .param("error", error)
            .update()
        > 0;
  }

  /** How many schedules run, and how many are paused. */
  public record Counts(long active, long paused) {}

  public Counts countByState() {
    return jdbc.sql(COUNT_BY_STATE)
        .query((rs, row) -> new Counts(rs.getLong("active"), rs.getLong("paused")))
        .single();
  }

  private static JdbcClient.StatementSpec definition(
      JdbcClient.StatementSpec statement, NewSchedule schedule) {
    return statement
        .param("owner", schedule.owner())
        .param("name", schedule.name())
        .param("queryId", schedule.queryId())
        .param("queryHash", schedule.queryHash())
        .param("sql", schedule.sql())
        .param("format", schedule.format())
        .param("tier", schedule.tier())
        .param(
            "parameters",
            schedule.parameters().isEmpty() ? null : JSON.writeValueAsString(schedule.parameters()))
        .param("labels", JSON.writeValueAsString(schedule.labels()))
        .param("shareKey", schedule.shareKey())
        .param("quotaKey", schedule.quotaKey())
        .param("everySeconds", schedule.everySeconds())
        .param("cron", schedule.cron())
        .param("paused", schedule.paused())
        .param("nextRunAt", time(schedule.nextRunAt()));
  }

  private static Schedule map(ResultSet rs) throws SQLException {
    String lastStatus = rs.getString("last_status");
    return new Schedule(
        rs.getLong("id"),
        rs.getString("owner"),
        rs.getString("name"),
        rs.getString("query_id"),
        rs.getString("query_hash"),
        rs.getString("sql"),
        rs.getString("format"),
        rs.getString("tier"),
        json(rs.getString("parameters")),
        json(rs.getString("labels")),
        rs.getString("share_key"),
        rs.getString("quota_key"),
        rs.getObject("every_seconds", Long.class),
        rs.getString("cron"),
        rs.getBoolean("paused"),
        instant(rs, "next_run_at"),
        instant(rs, "last_run_at"),
        rs.getObject("last_execution_id", Long.class),
        lastStatus == null ? null : ExecutionStatus.valueOf(lastStatus),
        rs.getString("last_outcome"),
        rs.getString("last_error"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"));
  }

  private static Map<String, String> json(String text) {
    return text == null ? Map.of() : JSON.readValue(text, STRING_MAP);
  }

  private static OffsetDateTime time(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
