package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.agp.bookkeeper.stats.QueryLogStatsReader;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.QueryStats;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryLogStatsReaderTest {

  private final Fixture fixture = new Fixture();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final UsageEvents usage = new UsageEvents(fixture.jdbc);
  private final QueryLogStatsReader reader =
      new QueryLogStatsReader(
          fixture.maintenance,
          usage,
          fixture.tiers,
          fixture.clickhouse,
          new BookkeeperProperties.QueryLog(Duration.ofSeconds(10), 100, Duration.ofMinutes(5)),
          meters);

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void completesTheFiguresOfAnEndedQueryOnceClickHouseHasLoggedIt() throws IOException {
    long id = ended("logged", Duration.ZERO);
    run(new AttemptId(id, 1), "SELECT count() FROM numbers(250000)");

    // Not in the log yet: ClickHouse writes it every 7.5 s by default.
    assertThat(reader.runOnce()).isEqualTo(executions(0, 0, 1));
    ClickHouseTestServer.shared().query("SYSTEM FLUSH LOGS");
    QueryLogStatsReader.Report report = reader.runOnce();

    assertThat(report).isEqualTo(executions(1, 0, 0));
    QueryStats stats = fixture.executions.get(id).map(Execution::queryStats).orElseThrow();
    assertThat(stats.source()).isEqualTo(QueryStats.Source.QUERY_LOG);
    assertThat(stats.readRows()).isGreaterThanOrEqualTo(250_000);
    assertThat(stats.readBytes()).isGreaterThanOrEqualTo(2_000_000);
    assertThat(stats.peakMemoryBytes()).isPositive();
    assertThat(stats.elapsedMillis()).isNotNull();
    assertThat(awaiting(id)).isFalse();
    assertThat(meters.counter("agp.bookkeeper.stats.from.query.log").count()).isEqualTo(1);
    assertThat(reader.runOnce()).isEqualTo(executions(0, 0, 0));
  }

  @Test
  void aLoggedQueryOfTheSameIdThatRanAtAnotherTimeIsNotTaken() throws IOException {
    // The attempt ended three minutes ago; a query of its id ran now (another AGP database).
    long id = ended("logged", Duration.ofMinutes(3));
    run(new AttemptId(id, 1), "SELECT 1");
    ClickHouseTestServer.shared().query("SYSTEM FLUSH LOGS");

    assertThat(reader.runOnce()).isEqualTo(executions(0, 0, 1));
    assertThat(fixture.executions.get(id).orElseThrow().queryStats().source())
        .isEqualTo(QueryStats.Source.PROGRESS);
  }

  @Test
  void givesUpOnAQueryTheLogNeverTold() {
    long recent = ended("logged", Duration.ZERO);
    long old = ended("logged", Duration.ofMinutes(6));

    assertThat(reader.runOnce()).isEqualTo(executions(0, 1, 2));

    assertThat(awaiting(old)).isFalse();
    assertThat(awaiting(recent)).isTrue();
    assertThat(fixture.executions.get(old).orElseThrow().queryStats().source())
        .isEqualTo(QueryStats.Source.PROGRESS);
  }

  @Test
  void aTierThatDoesNotReadTheQueryLogIsNotAsked() {
    long id = ended("default", Duration.ZERO);

    assertThat(reader.runOnce()).isEqualTo(executions(0, 1, 0));
    assertThat(awaiting(id)).isFalse();
  }

  @Test
  void completesTheFiguresOfAnInteractiveQueryAndOnlyThenIsItsUsageFolded() throws IOException {
    String queryId = "agp-sync-" + UUID.randomUUID();
    run(queryId, "SELECT count() FROM numbers(250000)");
    // The API recorded it without final figures, the bytes its client was given with them.
    usage.recordQuery(
        UsageEvents.Interactive.SYNC,
        "logged",
        "alice",
        UsageEvents.Outcome.SUCCEEDED,
        new UsageEvents.QueryFigures(0, 0, 123, 0, 0),
        queryId);
    UsageRollups rollups = new UsageRollups(fixture.jdbc);

    assertThat(reader.runOnce()).isEqualTo(interactive(0, 0, 1));
    // The rollup does not see it while its figures are to come.
    assertThat(rollups.rollUp(100)).isEmpty();
    assertThat(waiting()).isEqualTo(1);
    ClickHouseTestServer.shared().query("SYSTEM FLUSH LOGS");
    assertThat(reader.runOnce()).isEqualTo(interactive(1, 0, 0));

    Map<String, Object> event = fixture.jdbc.sql("select * from usage_events").query().singleRow();
    assertThat(((Number) event.get("read_rows")).longValue()).isGreaterThanOrEqualTo(250_000);
    assertThat(((Number) event.get("read_bytes")).longValue()).isGreaterThanOrEqualTo(2_000_000);
    assertThat(((Number) event.get("peak_memory_bytes")).longValue()).isPositive();
    assertThat(((Number) event.get("result_bytes")).longValue()).isEqualTo(123);
    assertThat(event).containsEntry("kind", "sync").containsEntry("owner", "alice");
    assertThat(waiting()).isZero();
    assertThat(meters.counter("agp.bookkeeper.interactive.stats.from.query.log").count())
        .isEqualTo(1);
    List<UsageRollups.Folded> folded = rollups.rollUp(100);
    assertThat(folded)
        .extracting(UsageRollups.Folded::readBytes)
        .containsExactly(((Number) event.get("read_bytes")).longValue());
    assertThat(reader.runOnce()).isEqualTo(interactive(0, 0, 0));
  }

  @Test
  void aLoggedInteractiveQueryOfTheSameIdThatEndedAtAnotherTimeIsNotTaken() throws IOException {
    // A proxy client gave a query of three minutes ago the id of the one that runs now.
    String queryId = "agp-chproxy-" + UUID.randomUUID();
    long id = awaitingEvent("logged", queryId, Duration.ofMinutes(3));
    run(queryId, "SELECT 1");
    ClickHouseTestServer.shared().query("SYSTEM FLUSH LOGS");

    assertThat(reader.runOnce()).isEqualTo(interactive(0, 0, 1));
    assertThat(awaitingEvent(id)).isTrue();
  }

  @Test
  void givesUpOnInteractiveQueriesTheLogNeverToldOrWhoseTierDoesNotReadIt() {
    long recent = awaitingEvent("logged", "agp-sync-" + UUID.randomUUID(), Duration.ZERO);
    long old = awaitingEvent("logged", "agp-sync-" + UUID.randomUUID(), Duration.ofMinutes(6));
    long unread = awaitingEvent("default", "agp-sync-" + UUID.randomUUID(), Duration.ZERO);

    assertThat(reader.runOnce()).isEqualTo(interactive(0, 2, 2));

    assertThat(awaitingEvent(recent)).isTrue();
    assertThat(awaitingEvent(old)).isFalse();
    assertThat(awaitingEvent(unread)).isFalse();
    // Given up on, they are folded with the figures their answers gave (one per tier); the recent
    // one still waits.
    assertThat(new UsageRollups(fixture.jdbc).rollUp(100))
        .extracting(UsageRollups.Folded::tier, UsageRollups.Folded::events)
        .containsExactlyInAnyOrder(tuple("logged", 1L), tuple("default", 1L));
  }

  /**
   * A SUCCEEDED execution of attempt 1 with the figures of a progress sample, awaiting those of the
   * query log, that ended {@code ago}. Its id is drawn at random: the test ClickHouse has logged
   * the queries of other test databases, whose ids start at 1 as well.
   */
  private long ended(String tier, Duration ago) {
    return fixture
        .jdbc
        .sql(
            """
            insert into executions (id, query_id, query_hash, sql, tier, created_by, status,
                                    attempt, picked_at, completed_at, stats_read_rows,
                                    stats_read_bytes, stats_elapsed_ms, stats_source,
                                    stats_await_query_log)
            overriding system value
            values (:id, gen_random_uuid()::text, 'h', 'SELECT 1', :tier, 'tester', 'SUCCEEDED',
                    1, now() - :agoMillis * interval '1 millisecond' - interval '1 second',
                    now() - :agoMillis * interval '1 millisecond', 1, 8, 5, 'progress', true)
            returning id
            """)
        .param("id", ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50))
        .param("tier", tier)
        .param("agoMillis", ago.toMillis())
        .query(Long.class)
        .single();
  }

  /** Runs the attempt's query on ClickHouse as its worker did, logged. */
  private void run(AttemptId attemptId, String sql) throws IOException {
    run(attemptId.clickHouseQueryId(), sql);
  }

  /** Runs a query of that id on ClickHouse, logged. */
  private void run(String queryId, String sql) throws IOException {
    ClickHouseClient node = fixture.clickhouse.find("logged").orElseThrow().getFirst();
    try (ClickHouseResponse response =
        node.execute(queryId, sql + " FORMAT TabSeparated", Map.of("log_queries", "1"))) {
      response.body().readAllBytes();
    }
  }

  private boolean awaiting(long id) {
    return fixture
        .jdbc
        .sql("select stats_await_query_log from executions where id = :id")
        .param("id", id)
        .query(Boolean.class)
        .single();
  }

  private static QueryLogStatsReader.Report executions(int recorded, int gaveUp, int waiting) {
    return new QueryLogStatsReader.Report(
        new QueryLogStatsReader.Counts(recorded, gaveUp, waiting),
        new QueryLogStatsReader.Counts(0, 0, 0));
  }

  private static QueryLogStatsReader.Report interactive(int recorded, int gaveUp, int waiting) {
    return new QueryLogStatsReader.Report(
        new QueryLogStatsReader.Counts(0, 0, 0),
        new QueryLogStatsReader.Counts(recorded, gaveUp, waiting));
  }

  /** A proxy query's usage, awaiting its figures, of a query that ended {@code ago}. */
  private long awaitingEvent(String tier, String queryId, Duration ago) {
    return fixture
        .jdbc
        .sql(
            """
            insert into usage_awaiting_query_log (at, query_id, tier, owner, kind, outcome,
                                                  result_bytes)
            values (now() - :agoMillis * interval '1 millisecond', :queryId, :tier, 'bob',
                    'chproxy', 'succeeded', 10)
            returning id
            """)
        .param("agoMillis", ago.toMillis())
        .param("tier", tier)
        .param("queryId", queryId)
        .query(Long.class)
        .single();
  }

  private boolean awaitingEvent(long id) {
    return fixture
        .jdbc
        .sql("select exists (select 1 from usage_awaiting_query_log where id = :id)")
        .param("id", id)
        .query(Boolean.class)
        .single();
  }

  private long waiting() {
    return fixture
        .jdbc
        .sql("select count(*) from usage_awaiting_query_log")
        .query(Long.class)
        .single();
  }
}
