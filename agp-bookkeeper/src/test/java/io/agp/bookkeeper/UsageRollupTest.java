package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.usage.UsageRollup;
import io.agp.execution.AttemptId;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultFormat;
import io.agp.execution.StoredResult;
import io.agp.jdbc.SqlFile;
import io.agp.results.ResultCompression;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The usage rollup against a real PostgreSQL: each ended execution is counted once with its own
 * figures, whatever ends it and however many bookkeepers fold at once, and a fold that dies before
 * its commit counts nothing.
 */
class UsageRollupTest {

  private final Fixture fixture = new Fixture();
  private final UsageRollups rollups = new UsageRollups(fixture.jdbc);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final UsageRollup duty =
      new UsageRollup(
          rollups,
          new BookkeeperProperties.Usage(Duration.ofSeconds(5), 3, Duration.ofHours(48), 90),
          meters);

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void countsEachEndedExecutionOnceWithItsOwnFigures() {
    AttemptId alice1 = runningOf("alice", "SELECT 1");
    fixture.executions.complete(
        alice1,
        result(alice1, 10, 100),
        Duration.ofHours(1),
        stats(1_000, 8_000, 4_096L, 12L),
        false);
    AttemptId alice2 = runningOf("alice", "SELECT 2");
    fixture.executions.fail(alice2, "boom", stats(5, 40, 1_024L, 3L), false);
    AttemptId bob1 = runningOf("bob", "SELECT 3");
    fixture.executions.complete(
        bob1, result(bob1, 1, 7), Duration.ofHours(1), stats(2_000, 16_000, 9_999L, 20L), false);
    long bobPending = created("bob", "SELECT 4");
    fixture.executions.cancel(bobPending, null);
    // Its figures are still to come from the query log: not counted until they are.
    AttemptId bobLogged = runningOf("bob", "SELECT 5");
    fixture.executions.complete(
        bobLogged, result(bobLogged, 1, 3), Duration.ofHours(1), stats(1, 1, null, null), true);

    UsageRollup.Report first = duty.runOnce();

    assertThat(first.events()).isEqualTo(4);
    assertThat(day("alice"))
        .isEqualTo(
            Map.of(
                "executions_succeeded", 1L,
                "executions_failed", 1L,
                "executions_canceled", 0L,
                "read_rows", 1_005L,
                "read_bytes", 8_040L,
                "result_bytes", 100L,
                "server_ms", 15L,
                "peak_memory_bytes", 4_096L));
    assertThat(day("bob"))
        .containsEntry("executions_succeeded", 1L)
        .containsEntry("executions_canceled", 1L)
        .containsEntry("read_bytes", 16_000L)
        .containsEntry("result_bytes", 7L);
    assertThat(sumOverExecutions()).isEqualTo(sumOverRollup());

    fixture
        .jdbc
        .sql("update executions set stats_await_query_log = false where id = :id")
        .param("id", bobLogged.executionId())
        .update();
    fixture.jdbc.sql("update executions set status = 'EXPIRED' where status <> 'PENDING'").update();
    UsageRollup.Report second = duty.runOnce();

    assertThat(second.events()).as("the query log's figures, then nothing for the expiry").isOne();
    assertThat(day("bob")).containsEntry("executions_succeeded", 2L);
    assertThat(sumOverExecutions()).isEqualTo(sumOverRollup());
    assertThat(meters.get("agp.usage.executions").tag("tier", "default").counter().count())
        .isEqualTo(5);
  }

  @Test
  void aFoldCutShortByADeadBookkeeperCountsNothingAndTheNextCountsEachEventOnce() throws Exception {
    UsageEvents events = new UsageEvents(fixture.jdbc);
    for (int i = 0; i < 50; i++) {
      events.recordDownload("default", "alice", 10);
    }
    // A session of its own, outside the pool: the bookkeeper's, which dies before its commit.
    Connection doomed =
        DriverManager.getConnection(
            fixture.dataSource.getJdbcUrl(), fixture.dataSource.getUsername(), null);
    try (Statement statement = doomed.createStatement()) {
      doomed.setAutoCommit(false);
      statement.execute(SqlFile.load("usage/roll_up").replace(":batch", "1000"));
      int pid = backendPid(statement);
      fixture
          .jdbc
          .sql("select pg_terminate_backend(:pid)")
          .param("pid", pid)
          .query(Boolean.class)
          .single();
    } finally {
      closeDead(doomed);
    }

    assertThat(pendingEvents()).isEqualTo(50);
    assertThat(day("alice")).isEmpty();

    duty.runOnce();

    assertThat(pendingEvents()).isZero();
    assertThat(day("alice")).containsEntry("downloaded_bytes", 500L);
    assertThat(hourRows()).isOne();
  }

  @Test
  void bookkeepersFoldingAtOnceCountEachEventOnce() throws Exception {
    fixture
        .jdbc
        .sql(
            """
            insert into usage_events (at, tier, owner, kind, outcome, read_bytes, server_ms)
            select now() - (i % 5) * interval '1 day', 'default', 'user' || (i % 7), 'sync',
                   'succeeded', i, 1
            from generate_series(1, 20000) as i
            """)
        .update();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> folds = new ArrayList<>();
      for (int b = 0; b < 4; b++) {
        Callable<Long> bookkeeper =
            () -> {
              long folded = 0;
              long n;
              do {
                n = rollups.rollUp(250).stream().mapToLong(UsageRollups.Folded::events).sum();
                folded += n;
              } while (n > 0);
              return folded;
            };
        folds.add(pool.submit(bookkeeper));
      }
      long total = 0;
      for (Future<Long> fold : folds) {
        total += fold.get();
      }
      assertThat(total).isEqualTo(20_000);
    } finally {
      pool.shutdownNow();
    }
    Map<String, Object> sums =
        fixture
            .jdbc
            .sql("select sum(sync_runs) as runs, sum(read_bytes) as bytes from usage_days")
            .query()
            .singleRow();
    assertThat(((Number) sums.get("runs")).longValue()).isEqualTo(20_000);
    assertThat(((Number) sums.get("bytes")).longValue()).isEqualTo(20_000L * 20_001 / 2);
    assertThat(fixture.jdbc.sql("select count(*) from usage_days").query(Long.class).single())
        .isEqualTo(5 * 7);
  }

  @Test
  void deletesRollupsPastTheirRetention() {
    fixture
        .jdbc
        .sql(
            """
            insert into usage_days (day, tier, owner, read_bytes)
            values (current_date - 91, 'default', 'old', 1), (current_date - 90, 'default', 'kept', 1)
            """)
        .update();
    fixture
        .jdbc
        .sql(
            """
            insert into usage_hours (hour, tier, owner, read_bytes)
            values (now() - interval '49 hours', 'default', 'old', 1),
                   (now() - interval '47 hours', 'default', 'kept', 1)
            """)
        .update();

    UsageRollup.Report report = duty.runOnce();

    assertThat(report.deletedDays()).isOne();
    assertThat(report.deletedHours()).isOne();
    assertThat(fixture.jdbc.sql("select owner from usage_days").query(String.class).list())
        .containsExactly("kept");
  }

  private long created(String user, String sql) {
    return fixture
        .executions
        .createOrCollapse(
            NewExecution.builder(UUID.randomUUID().toString(), sql)
                .queryHash(UUID.randomUUID().toString())
                .format("JSON")
                .createdBy(user)
                .maxAttempts(1)
                .build())
        .execution()
        .id();
  }

  private AttemptId runningOf(String user, String sql) {
    long id = created(user, sql);
    AttemptId claimed = fixture.claim(Duration.ofMinutes(1));
    assertThat(claimed.executionId()).isEqualTo(id);
    return claimed;
  }

  private static StoredResult result(AttemptId attempt, long rows, long bytes) {
    return new StoredResult(
        StoredResult.keyFor(attempt, ResultFormat.JSON, ResultCompression.NONE),
        rows,
        bytes,
        List.of(),
        null,
        1);
  }

  private static QueryStats stats(long rows, long bytes, Long memory, Long millis) {
    return new QueryStats(rows, bytes, memory, millis, QueryStats.Source.SUMMARY);
  }

  /** The user's figures in today's rollup, or nothing. */
  private Map<String, Object> day(String user) {
    return fixture
        .jdbc
        .sql(
            """
            select executions_succeeded, executions_failed, executions_canceled, read_rows,
                   read_bytes, result_bytes, server_ms, peak_memory_bytes, downloaded_bytes
            from usage_days where owner = :owner
            """)
        .param("owner", user)
        .query(
            (rs, n) -> {
              Map<String, Object> row = new java.util.HashMap<>();
              for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                long value = rs.getLong(i);
                if (value != 0 || i <= 3) {
                  row.put(rs.getMetaData().getColumnName(i), value);
                }
              }
              return row;
            })
        .optional()
        .orElse(Map.of());
  }

  private Map<String, Object> sumOverExecutions() {
    return fixture
        .jdbc
        .sql(
            """
            select count(*) as ended,
                   cast(sum(coalesce(stats_read_rows, 0)) as bigint) as read_rows,
                   cast(sum(coalesce(stats_read_bytes, 0)) as bigint) as read_bytes,
                   cast(sum(coalesce(stats_elapsed_ms, 0)) as bigint) as server_ms
            from executions
            where status <> 'PENDING' and not stats_await_query_log
            """)
        .query()
        .singleRow();
  }

  private Map<String, Object> sumOverRollup() {
    return fixture
        .jdbc
        .sql(
            """
            select cast(sum(executions_succeeded + executions_failed + executions_canceled)
                            as bigint) as ended,
                   cast(sum(read_rows) as bigint) as read_rows,
                   cast(sum(read_bytes) as bigint) as read_bytes,
                   cast(sum(server_ms) as bigint) as server_ms
            from usage_days
            """)
        .query()
        .singleRow();
  }

  private long pendingEvents() {
    return fixture.jdbc.sql("select count(*) from usage_events").query(Long.class).single();
  }

  private long hourRows() {
    return fixture.jdbc.sql("select count(*) from usage_hours").query(Long.class).single();
  }

  private static void closeDead(Connection connection) {
    try {
      connection.close();
    } catch (SQLException expected) {
      // The server ended the session first.
    }
  }

  private static int backendPid(Statement statement) throws SQLException {
    try (ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
