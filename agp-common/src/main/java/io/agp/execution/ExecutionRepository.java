package io.agp.execution;

import io.agp.jdbc.SqlFile;
import io.agp.results.InlineResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionOperations;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The executions table. One SQL file per method, under {@code sql/execution/}. Every write a worker
 * makes after its claim is fenced by its {@link AttemptId} and returns whether it still owned the
 * row. Every change of status (and each recorded progress sample) is announced on {@link
 * Channels#CHANGED} once it has committed, and each new PENDING execution on {@link
 * Channels#PENDING}.
 */
public class ExecutionRepository {

  private static final String CREATE_OR_COLLAPSE = SqlFile.load("execution/create_or_collapse");
  private static final String GET = SqlFile.load("execution/get");
  private static final String GET_VISIBLE = SqlFile.load("execution/get_visible");
  private static final String GET_MANY = SqlFile.load("execution/get_many");
  private static final String JOIN_EXECUTION = SqlFile.load("execution/join_execution");
  private static final String LIST_READERS = SqlFile.load("execution/list_readers");
  private static final String LOCK_USER_CREATES = SqlFile.load("execution/lock_user_creates");
  private static final String COUNT_IN_FLIGHT_OF_USER =
      SqlFile.load("execution/count_in_flight_of_user");
  private static final String FIND_IN_FLIGHT = SqlFile.load("execution/find_in_flight");
  private static final String CLAIM = SqlFile.load("execution/claim");
  private static final String LOCK_TIER_CLAIMS = SqlFile.load("execution/lock_tier_claims");
  private static final String RENEW_LEASES = SqlFile.load("execution/renew_leases");
  private static final String RECORD_PROGRESS = SqlFile.load("execution/record_progress");
  private static final String COMPLETE = SqlFile.load("execution/complete");
  private static final String FAIL = SqlFile.load("execution/fail");
  private static final String REQUEUE = SqlFile.load("execution/requeue");
  private static final String CANCEL = SqlFile.load("execution/cancel");
  private static final String CANCEL_IN_FLIGHT = SqlFile.load("execution/cancel_in_flight");
  private static final String WATCH = SqlFile.load("execution/watch");
  private static final String WATCH_VISIBLE = SqlFile.load("execution/watch_visible");

  /** How often a create retries when the in-flight execution it met ended in between. */
  private static final int CREATE_TRIES = 5;

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  private static final TypeReference<List<ResultMetadata.Column>> COLUMNS =
      new TypeReference<>() {};

  /** Labels, parameters and columns are stored as JSON; their shape is ours, not the API's. */
  // Thread-safe once built.
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final JdbcClient jdbc;
  private final TransactionOperations transactions;
  private final Notifier notifier;
  private final RowMapper<Execution> executionMapper = (rs, row) -> mapExecution(rs);

  /**
   * Without transactions: for tools and tests that never claim under a per-user limit from several
   * workers at once (such claims could then overshoot the limit together).
   */
  public ExecutionRepository(JdbcClient jdbc) {
    this(jdbc, TransactionOperations.withoutTransaction());
  }

  /**
   * @param transactions transactions on the data source of {@code jdbc}: a claim under a per-user
   *     limit runs in one, behind a lock of its tier
   */
  public ExecutionRepository(JdbcClient jdbc, TransactionOperations transactions) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.notifier = new Notifier(jdbc);
  }

  /**
   * Creates a PENDING execution, or collapses onto the in-flight execution of the same tier, share
   * key and query_id when it has the same query hash; a caller who collapses onto another user's
   * execution becomes one of its readers. Safe under any number of concurrent callers: the partial
   * unique index on in-flight query_ids decides. A created execution wakes the workers of its tier
   * once the caller's transaction (if any) commits.
   */
  public CreateOutcome createOrCollapse(NewExecution request) {
    return createOrCollapse(request, false);
  }

  /**
   * Creates or collapses as {@link #createOrCollapse(NewExecution)}, and with {@code watched} marks
   * the execution watched in the same statement (see {@link #watch}): for a create that waits for
   * the outcome.
   */
  public CreateOutcome createOrCollapse(NewExecution request, boolean watched) {
    for (int i = 0; i < CREATE_TRIES; i++) {
      Optional<Execution> row =
          jdbc.sql(CREATE_OR_COLLAPSE)
              .param("queryId", request.queryId())
              .param("queryHash", request.queryHash())
              .param("name", text(request.name()))
              .param("sql", request.sql())
              .param("format", request.format())
              .param("tier", request.tier())
              .param("createdBy", request.createdBy())
              .param("labels", JSON.writeValueAsString(request.labels()))
              .param(
                  "parameters",
                  text(
                      request.parameters().isEmpty()
                          ? null
                          : JSON.writeValueAsString(request.parameters())))
              .param("priority", request.priority())
              .param("maxAttempts", request.maxAttempts())
              .param("shareKey", text(request.shareKey()))
              .param("quotaKey", text(request.quotaKey()))
              .param("callbackUrl", text(request.callbackUrl()))
              .param("watched", watched)
              .query(executionMapper)
              .optional();
      if (row.isPresent()) {
        Execution execution = row.get();
        // The update branch always raises the counter, so zero means the row was inserted.
        if (execution.collapsedCount() > 0) {
          return new CreateOutcome.Collapsed(execution);
        }
        notifier.pending(execution.tier());
        return new CreateOutcome.Created(execution);
      }
      Optional<Execution> inFlight =
          findInFlight(request.tier(), request.shareKey(), request.queryId());
      if (inFlight.isPresent()) {
        return new CreateOutcome.Conflict(inFlight.get());
      }
      // The conflicting execution ended between the two statements: try again.
    }
    throw new IllegalStateException(
        "query_id " + request.queryId() + " kept changing hands; gave up after " + CREATE_TRIES);
  }

  /**
   * Marks an in-flight execution as watched: its changes from now on are announced on {@link
   * Channels#CHANGED}. A watcher calls it before it reads the row, so that no change between the
   * two goes unannounced. Nothing changes unless {@code viewer} may read the execution (null: the
   * apps' own calls and admins).
   */
  public void watch(long id, String viewer) {
    // Two statements, for the reason of getVisible: a null test on the viewer would be planned
    // anew at every long poll of an admin.
    if (viewer == null) {
      jdbc.sql(WATCH).param("id", id).update();
    } else {
      jdbc.sql(WATCH_VISIBLE).param("id", id).param("viewer", viewer).update();
    }
  }

  /**
   * Marks an execution the caller has read (and so may see) as watched, unless it is already, or
   * has ended: then no statement is needed.
   */
  public void watch(Execution execution) {
    if (!execution.watched() && !execution.status().isTerminal()) {
      watch(execution.id(), null);
    }
  }

  /**
   * Any execution by id, whoever created it: for the apps' own work, and an admin's read through
   * {@link #getVisible}; never for another caller's read.
   */
  public Optional<Execution> get(long id) {
    return jdbc.sql(GET).param("id", id).query(executionMapper).optional();
  }

  /** The executions of these ids that exist, in no particular order. */
  public List<Execution> getMany(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(GET_MANY).param("ids", ids.toArray(Long[]::new)).query(executionMapper).list();
  }

  /**
   * The execution, if {@code viewer} may read it: they created or joined it. A null viewer (an
   * admin) reads every execution.
   */
  public Optional<Execution> getVisible(long id, String viewer) {
    // Two statements, not one with "viewer is null or ...": PostgreSQL plans such a statement
    // anew at each call (a custom plan folds the null test away, a generic one cannot, so it never
    // takes the generic one), and that planning was most of a get's cost in the database.
    if (viewer == null) {
      return get(id);
    }
    return jdbc.sql(GET_VISIBLE)
        .param("id", id)
        .param("viewer", viewer)
        .query(executionMapper)
        .optional();
  }

  /** The in-flight execution holding a query_id for a tier and share key. */
  public Optional<Execution> findInFlight(String tier, String shareKey, String queryId) {
    return jdbc.sql(FIND_IN_FLIGHT)
        .param("tier", tier)
        .param("shareKey", shareKey)
        .param("queryId", queryId)
        .query(executionMapper)
        .optional();
  }

  /** How a user came to read an execution they did not create. */
  public enum JoinedBy {
    /** Their create collapsed onto it while it was in flight. */
    COLLAPSE,
    /** Their create took its fresh result instead of running again. */
    REUSE
  }

  /** Lets {@code user} read the execution from now on, unless they created it. */
  public void join(long id, String user, JoinedBy how) {
    jdbc.sql(JOIN_EXECUTION)
        .param("id", id)
        .param("user", user)
        .param("joinedBy", how.name().toLowerCase(Locale.ROOT))
        .update();
  }

  /** The users who joined an execution besides its creator, first comer first. */
  public List<String> readers(long id) {
    return jdbc.sql(LIST_READERS).param("id", id).query(String.class).list();
  }

  /**
   * Takes the turn of a user's creates in a tier, until the current transaction ends: creates under
   * a max-pending-per-user cap count the user's executions in flight one at a time, so that two at
   * once cannot both see room for one more.
   */
  public void lockCreates(String tier, String user) {
    jdbc.sql(LOCK_USER_CREATES)
        .param("tier", tier)
        .param("user", user)
        .query(Boolean.class)
        .single();
  }

  /** A user's PENDING and RUNNING executions of a tier. */
  public long countInFlight(String tier, String user) {
    return jdbc.sql(COUNT_IN_FLIGHT_OF_USER)
        .param("tier", tier)
        .param("user", user)
        .query(Long.class)
        .single();
  }

  /**
   * Claims up to {@code limit} PENDING executions of a tier for this worker, in one statement: by
   * priority, then fairly across users (the oldest execution of the user with the fewest RUNNING
   * first), so that one user's backlog does not hold up the others.
   */
  public List<ClaimedExecution> claim(String tier, String workerId, int limit, Duration lease) {
    return claim(tier, workerId, limit, lease, 0);
  }

  /**
   * Claims up to {@code limit} PENDING executions of a tier for this worker, in one statement,
   * passing over the executions of users who already run {@code maxRunningPerUser} of the tier (0:
   * no limit).
   *
   * <p>Under a limit, claims of the same tier take turns: each takes a transaction lock of the tier
   * first, and its statement then starts after the previous claim committed, so it counts that
   * claim's executions as RUNNING. Without the turns two workers claiming at once would each see
   * the same room and together overshoot the limit.
   */
  public List<ClaimedExecution> claim(
      String tier, String workerId, int limit, Duration lease, int maxRunningPerUser) {
    return claim(tier, workerId, limit, limit, lease, maxRunningPerUser);
  }

  /**
   * Claims as {@link #claim(String, String, int, Duration, int)}, looking at {@code lookahead} rows
   * of each user beyond the {@code limit} it takes: the rows that claimers woken at the same
   * instant lock first are skipped, and each of them finds one of the rows after those.
   */
  public List<ClaimedExecution> claim(
      String tier,
      String workerId,
      int limit,
      int lookahead,
      Duration lease,
      int maxRunningPerUser) {
    if (limit <= 0) {
      return List.of();
    }
    ClaimSpec spec = new ClaimSpec(tier, workerId, limit, Math.max(lookahead, 0), lease);
    if (maxRunningPerUser <= 0) {
      return claimStatement(spec, 0);
    }
    return transactions.execute(
        status -> {
          // A statement of its own: the claim's snapshot must be taken once the lock is held.
          jdbc.sql(LOCK_TIER_CLAIMS).param("tier", tier).query(Boolean.class).single();
          return claimStatement(spec, maxRunningPerUser);
        });
  }

  private record ClaimSpec(
      String tier, String workerId, int limit, int lookahead, Duration lease) {}

  private List<ClaimedExecution> claimStatement(ClaimSpec spec, int maxRunningPerUser) {
    List<ClaimedExecution> claimed =
        jdbc.sql(CLAIM)
            .param("tier", spec.tier())
            .param("workerId", spec.workerId())
            .param("limit", spec.limit())
            .param("lookahead", spec.lookahead())
            .param("maxRunningPerUser", maxRunningPerUser)
            .param("leaseMillis", spec.lease().toMillis())
            .query(
                (rs, row) ->
                    new ClaimedExecution(
                        mapExecution(rs),
                        readJson(rs.getString("parameters"), STRING_MAP, Map.of()),
                        rs.getString("quota_key")))
            .list();
    claimed.stream()
        .map(ClaimedExecution::execution)
        .filter(Execution::watched)
        .forEach(e -> notifier.changed(e.id(), ExecutionStatus.RUNNING));
    return claimed;
  }

  /** Renews the lease; false when the attempt lost the row. */
  public boolean heartbeat(AttemptId attemptId, Duration leaseDuration) {
    return !renewLeases(List.of(attemptId), leaseDuration).isEmpty();
  }

  /**
   * Renews the leases of several attempts in one statement.
   *
   * @return the ids of the executions whose lease was renewed; an attempt whose id is missing lost
   *     its row (canceled, requeued)
   */
  public Set<Long> renewLeases(Collection<AttemptId> attempts, Duration leaseDuration) {
    if (attempts.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        jdbc.sql(RENEW_LEASES)
            .param("ids", attempts.stream().map(AttemptId::executionId).toArray(Long[]::new))
            .param("attempts", attempts.stream().map(AttemptId::attempt).toArray(Integer[]::new))
            .param("leaseMillis", leaseDuration.toMillis())
            .query(Long.class)
            .list());
  }

  /**
   * Records the progress samples of several running attempts in one statement, and announces each
   * watched execution it changed. A sample of an attempt that lost its row changes nothing; one
   * whose row another transaction holds at that instant is skipped (the next sample comes soon).
   *
   * @return the ids of the executions whose progress was recorded
   */
  public Set<Long> recordProgress(Collection<ProgressSample> samples) {
    if (samples.isEmpty()) {
      return Set.of();
    }
    int n = samples.size();
    Long[] ids = new Long[n];
    Integer[] attempts = new Integer[n];
    Long[] rows = new Long[n];
    Long[] bytes = new Long[n];
    Long[] totalRows = new Long[n];
    Long[] elapsedMillis = new Long[n];
    Long[] memoryBytes = new Long[n];
    Long[] peakMemoryBytes = new Long[n];
    int i = 0;
    for (ProgressSample sample : samples) {
      Progress progress = sample.progress();
      ids[i] = sample.attemptId().executionId();
      attempts[i] = sample.attemptId().attempt();
      rows[i] = progress.rows();
      bytes[i] = progress.bytes();
      totalRows[i] = progress.totalRows();
      elapsedMillis[i] = progress.elapsedMillis();
      memoryBytes[i] = progress.memoryBytes();
      peakMemoryBytes[i] = progress.peakMemoryBytes();
      i++;
    }
    Set<Long> recorded = new HashSet<>();
    jdbc.sql(RECORD_PROGRESS)
        .param("ids", ids)
        .param("attempts", attempts)
        .param("rows", rows)
        .param("bytes", bytes)
        .param("totalRows", totalRows)
        .param("elapsedMillis", elapsedMillis)
        .param("memoryBytes", memoryBytes)
        .param("peakMemoryBytes", peakMemoryBytes)
        .query(
            (rs, row) -> {
              long id = rs.getLong("id");
              recorded.add(id);
              if (rs.getBoolean("watched")) {
                notifier.changed(id, ExecutionStatus.RUNNING);
              }
              return id;
            })
        .list();
    return recorded;
  }

  /** Marks the attempt SUCCEEDED; false when it no longer owned the row (nothing changed). */
  public boolean complete(AttemptId attemptId, StoredResult result, Duration ttl) {
    return complete(attemptId, result, ttl, null, false);
  }

  /**
   * Marks the attempt SUCCEEDED with ClickHouse's figures of its query; false when it no longer
   * owned the row (nothing changed).
   *
   * @param stats null when nothing is known of the query
   * @param awaitQueryLog whether the bookkeeper is to look the figures up in system.query_log
   */
  public boolean complete(
      AttemptId attemptId,
      StoredResult result,
      Duration ttl,
      QueryStats stats,
      boolean awaitQueryLog) {
    Optional<Execution> done =
        withStats(jdbc.sql(COMPLETE), stats, awaitQueryLog)
            .param("id", attemptId.executionId())
            .param("attempt", attemptId.attempt())
            .param("key", text(result.key()))
            .param("rows", result.rows())
            .param("bytes", result.bytes())
            .param("columns", JSON.writeValueAsString(result.columns()))
            .param("compression", text(result.compression()))
            .param(
                "inline",
                new SqlParameterValue(
                    Types.BINARY, result.inline() == null ? null : result.inline().bytes()))
            .param("durationMillis", result.durationMillis())
            .param("ttlMillis", ttl.toMillis())
            .query(executionMapper)
            .optional();
    // The row goes along to the listeners of this process: an API beside the worker (the local
    // mode) answers its waiters from it rather than reading it again.
    done.filter(Execution::watched)
        .ifPresent(row -> notifier.changed(row.id(), ExecutionStatus.SUCCEEDED, row));
    return done.isPresent();
  }

  /** Marks the attempt FAILED with a reason; false when it no longer owned the row. */
  public boolean fail(AttemptId attemptId, String error) {
    return fail(attemptId, error, null, false);
  }

  /**
   * Marks the attempt FAILED with a reason and ClickHouse's figures of its query; false when it no
   * longer owned the row.
   *
   * @param stats null when no query ran or nothing is known of it
   * @param awaitQueryLog whether the bookkeeper is to look the figures up in system.query_log
   */
  public boolean fail(AttemptId attemptId, String error, QueryStats stats, boolean awaitQueryLog) {
    Optional<Boolean> watched =
        withStats(jdbc.sql(FAIL), stats, awaitQueryLog)
            .param("id", attemptId.executionId())
            .param("attempt", attemptId.attempt())
            .param("error", error)
            .query(Boolean.class)
            .optional();
    return announced(attemptId, watched, ExecutionStatus.FAILED);
  }

  /**
   * Announces the new status of an attempt's execution when it is watched.
   *
   * @param watched what the fenced write returned: empty when the attempt no longer owned the row
   * @return whether the attempt owned the row
   */
  private boolean announced(
      AttemptId attemptId, Optional<Boolean> watched, ExecutionStatus status) {
    if (watched.orElse(false)) {
      notifier.changed(attemptId.executionId(), status);
    }
    return watched.isPresent();
  }

  /*
   * Parameters that may be null, with their types. A null of no type makes the driver ask the
   * server for the statement's parameter types; a statement so described that returns text then
   * costs a round trip of its own at every execution (pgjdbc sends a Sync and awaits its answer
   * before the statement, against a deadlock of batches), which the hot statements here avoid.
   */
  private static SqlParameterValue text(String value) {
    return new SqlParameterValue(Types.VARCHAR, value);
  }

  private static SqlParameterValue bigint(Long value) {
    return new SqlParameterValue(Types.BIGINT, value);
  }

  private static JdbcClient.StatementSpec withStats(
      JdbcClient.StatementSpec statement, QueryStats stats, boolean awaitQueryLog) {
    return statement
        .param("statsReadRows", bigint(stats == null ? null : stats.readRows()))
        .param("statsReadBytes", bigint(stats == null ? null : stats.readBytes()))
        .param("statsPeakMemoryBytes", bigint(stats == null ? null : stats.peakMemoryBytes()))
        .param("statsElapsedMillis", bigint(stats == null ? null : stats.elapsedMillis()))
        .param("statsSource", text(stats == null ? null : stats.source().label()))
        .param("awaitQueryLog", awaitQueryLog);
  }

  /**
   * Puts the attempt back to PENDING, claimable after {@code delay}; false when it lost the row.
   */
  public boolean requeue(AttemptId attemptId, Duration delay, String reason) {
    Optional<Boolean> watched =
        jdbc.sql(REQUEUE)
            .param("id", attemptId.executionId())
            .param("attempt", attemptId.attempt())
            .param("delayMillis", delay.toMillis())
            .param("error", reason)
            .query(Boolean.class)
            .optional();
    return announced(attemptId, watched, ExecutionStatus.PENDING);
  }

  /**
   * Cancels a PENDING or RUNNING execution that {@code owner} created (any, when owner is null);
   * empty when there is none such in flight.
   */
  public Optional<Execution> cancel(long id, String owner) {
    Optional<Execution> canceled =
        jdbc.sql(CANCEL).param("id", id).param("owner", owner).query(executionMapper).optional();
    canceled
        .filter(Execution::watched)
        .ifPresent(e -> notifier.changed(e.id(), ExecutionStatus.CANCELED));
    return canceled;
  }

  /**
   * Cancels the in-flight execution holding the request's query_id (in its tier and share key) if
   * it runs another query hash and {@code owner} created it (any creator, when owner is null);
   * empty when there is none such. Run in the same transaction as the create that replaces it.
   */
  public Optional<Execution> cancelInFlight(NewExecution request, String owner) {
    Optional<Execution> canceled =
        jdbc.sql(CANCEL_IN_FLIGHT)
            .param("tier", request.tier())
            .param("shareKey", request.shareKey())
            .param("queryId", request.queryId())
            .param("queryHash", request.queryHash())
            .param("owner", owner)
            .query(executionMapper)
            .optional();
    canceled
        .filter(Execution::watched)
        .ifPresent(e -> notifier.changed(e.id(), ExecutionStatus.CANCELED));
    return canceled;
  }

  /** Maps a whole executions row, as every statement that returns executions selects it. */
  public static Execution mapExecution(ResultSet rs) throws SQLException {
    Progress progress = null;
    long progressRows = rs.getLong("progress_rows");
    if (!rs.wasNull()) {
      progress =
          new Progress(
              progressRows,
              rs.getLong("progress_bytes"),
              rs.getLong("progress_total_rows"),
              rs.getLong("progress_elapsed_ms"),
              rs.getLong("progress_memory_bytes"),
              rs.getLong("progress_peak_memory_bytes"));
    }
    ResultMetadata result = null;
    String resultKey = rs.getString("result_key");
    if (resultKey != null) {
      result =
          new ResultMetadata(
              resultKey,
              rs.getLong("result_rows"),
              rs.getLong("result_bytes"),
              readJson(rs.getString("result_columns"), COLUMNS, List.of()),
              rs.getString("result_compression"),
              rs.getLong("result_duration_ms"),
              instant(rs, "expires_at"),
              InlineResult.ofNullable(rs.getBytes("result_inline")));
    }
    QueryStats stats = null;
    String statsSource = rs.getString("stats_source");
    if (statsSource != null) {
      stats =
          new QueryStats(
              rs.getLong("stats_read_rows"),
              rs.getLong("stats_read_bytes"),
              rs.getObject("stats_peak_memory_bytes", Long.class),
              rs.getObject("stats_elapsed_ms", Long.class),
              QueryStats.Source.of(statsSource));
    }
    return new Execution(
        rs.getLong("id"),
        rs.getString("query_id"),
        rs.getString("query_hash"),
        rs.getString("name"),
        rs.getString("sql"),
        rs.getString("format"),
        rs.getString("tier"),
        rs.getString("created_by"),
        readJson(rs.getString("labels"), STRING_MAP, Map.of()),
        rs.getInt("priority"),
        ExecutionStatus.valueOf(rs.getString("status")),
        rs.getInt("attempt"),
        rs.getInt("max_attempts"),
        rs.getInt("collapsed_count"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "picked_at"),
        instant(rs, "completed_at"),
        rs.getString("worker_id"),
        instant(rs, "lease_expires_at"),
        progress,
        result,
        rs.getString("error"),
        mapCallback(rs),
        stats,
        rs.getBoolean("watched"),
        rs.getBoolean("stats_await_query_log"));
  }

  private static Callback mapCallback(ResultSet rs) throws SQLException {
    String url = rs.getString("callback_url");
    if (url == null) {
      return null;
    }
    int status = rs.getInt("callback_last_status");
    Integer lastStatus = rs.wasNull() ? null : status;
    return new Callback(
        url,
        Callback.State.valueOf(rs.getString("callback_state").toUpperCase(Locale.ROOT)),
        rs.getInt("callback_attempts"),
        lastStatus,
        rs.getString("callback_last_error"),
        instant(rs, "callback_next_attempt_at"),
        instant(rs, "callback_delivered_at"));
  }

  private static <T> T readJson(String text, TypeReference<T> type, T whenNull) {
    return text == null ? whenNull : JSON.readValue(text, type);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
