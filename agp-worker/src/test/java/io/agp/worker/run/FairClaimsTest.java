package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real worker working through one user's backlog of 5,000 executions serves another user's new
 * execution after one more of the backlog at most, whether its tier runs one execution at a time or
 * two.
 */
class FairClaimsTest {

  private static final int BACKLOG = 5_000;

  private static WorkerStack stack;

  @BeforeAll
  static void start() throws IOException {
    String clickhouse = ClickHouseTestServer.shared().httpUrl().toString();
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-fair").toUri().toString(),
                "agp.tiers.solo.clickhouse.url",
                clickhouse,
                "agp.tiers.solo.concurrency",
                "1",
                "agp.tiers.pair.clickhouse.url",
                clickhouse,
                "agp.tiers.pair.concurrency",
                "2"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"solo", "pair"})
  void aBacklogOfOneUserDelaysAnotherUsersExecutionByOneExecutionAtMost(String tier) {
    stack
        .jdbc()
        .sql(
            """
            insert into executions (query_id, query_hash, sql, format, tier, created_by)
            select gen_random_uuid()::text, 'h', 'SELECT ' || n, 'JSON', :tier, 'bob'
            from generate_series(1, :n) n
            """)
        .param("tier", tier)
        .param("n", BACKLOG)
        .update();
    // What the API sends after a create commits; a bare insert notifies nobody.
    stack
        .jdbc()
        .sql("select pg_notify('agp_execution_pending', :tier)")
        .param("tier", tier)
        .query()
        .listOfRows();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> claimedOfBob(tier), n -> n > 0);

    long carols = stack.create("SELECT 'carol'", "JSON", tier, "carol", Map.of(), 3);
    // From when claims can see carol's execution: its commit, not its created_at (the start of
    // the inserting transaction; a claim in between cannot see it yet).
    Instant visible = stack.jdbc().sql("select clock_timestamp()").query(Instant.class).single();
    Execution carol = stack.awaitEnd(carols, Duration.ofMillis(5));
    long bobsLeft = cancelPending(tier);

    assertThat(carol.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(
            stack
                .jdbc()
                .sql(
                    """
                    select count(*)
                    from executions bob, executions carol
                    where carol.id = :carol
                      and bob.tier = :tier and bob.created_by = 'bob'
                      and bob.picked_at > :visible and bob.picked_at < carol.picked_at
                    """)
                .param("tier", tier)
                .param("carol", carols)
                .param("visible", java.sql.Timestamp.from(visible))
                .query(Long.class)
                .single())
        .as("bob's executions claimed after carol's could be seen and before it was claimed")
        .isLessThanOrEqualTo(1);
    assertThat(bobsLeft).as("bob's backlog still waiting").isGreaterThan(BACKLOG / 2);
  }

  private static long claimedOfBob(String tier) {
    return stack
        .jdbc()
        .sql(
            "select count(*) from executions"
                + " where tier = :tier and created_by = 'bob' and picked_at is not null")
        .param("tier", tier)
        .query(Long.class)
        .single();
  }

  /** Ends the test without draining the backlog. */
  private static long cancelPending(String tier) {
    return stack
        .jdbc()
        .sql(
            """
            update executions
            set status = 'CANCELED', completed_at = now(), updated_at = now(), parameters = null
            where tier = :tier and status = 'PENDING'
            """)
        .param("tier", tier)
        .update();
  }
}
