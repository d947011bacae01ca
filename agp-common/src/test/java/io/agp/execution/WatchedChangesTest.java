package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.MigratedDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Changes are announced on {@link Channels#CHANGED} only for executions somebody watches: every
 * announcement costs each listening backend of the database a wake-up and a transaction, the
 * workers' too, so an execution nobody waits for announces nothing.
 */
class WatchedChangesTest {

  private static final Duration LEASE = Duration.ofMinutes(1);
  private static MigratedDatabase db;
  private static ExecutionRepository executions;

  @BeforeAll
  static void migrate() {
    db = MigratedDatabase.create();
    executions = new ExecutionRepository(db.jdbc(), db.transactions());
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void anUnwatchedExecutionAnnouncesNothingAndAWatchedOneEveryChange() throws Exception {
    try (Connection connection = listening()) {
      runToSuccess("unwatched", false);
      long watched = runToSuccess("watched", true);

      List<String> payloads = until(connection, watched + ":SUCCEEDED");

      // The watched execution's changes, in order (its claim's and its progress sample's RUNNING
      // are one when both are queued before a batch goes); none of the other, whose changes all
      // committed (and would have been sent) before the watched one's.
      assertThat(payloads).last().isEqualTo(watched + ":SUCCEEDED");
      assertThat(payloads).contains(watched + ":RUNNING").hasSizeBetween(2, 3);
      assertThat(payloads).allMatch(p -> p.startsWith(watched + ":"));
    }
  }

  @Test
  void aWatchMarksAnInFlightExecutionAndItsLaterChangesAreAnnounced() throws Exception {
    long id = create("later", false).id();
    try (Connection connection = listening()) {
      executions.watch(id, null);

      assertThat(executions.get(id).orElseThrow().watched()).isTrue();
      ClaimedExecution claimed = claimOne("later");
      assertThat(until(connection, id + ":RUNNING")).containsExactly(id + ":RUNNING");
      executions.fail(claimed.execution().attemptId(), "broken");
      assertThat(until(connection, id + ":FAILED")).containsExactly(id + ":FAILED");
    }
  }

  @Test
  void aWatchOfAnEndedExecutionChangesNothing() {
    long id = runToSuccess("ended", false);
    String updatedAt = updatedAt(id);

    executions.watch(id, null);

    assertThat(executions.get(id).orElseThrow().watched()).isFalse();
    assertThat(updatedAt(id)).isEqualTo(updatedAt);
  }

  @Test
  void aWatchByAUserWhoMayNotReadTheExecutionChangesNothing() {
    long id = create("others", false).id();

    executions.watch(id, "somebody-else");
    assertThat(executions.get(id).orElseThrow().watched()).isFalse();

    executions.watch(id, "t");
    assertThat(executions.get(id).orElseThrow().watched()).isTrue();
  }

  @Test
  void aCreateThatWaitsAndCollapsesMarksTheExecutionItJoins() {
    NewExecution request = request("collapse");
    Execution first = ((CreateOutcome.Created) executions.createOrCollapse(request)).execution();
    assertThat(first.watched()).isFalse();

    CreateOutcome second = executions.createOrCollapse(request, true);

    assertThat(second).isInstanceOf(CreateOutcome.Collapsed.class);
    assertThat(second.execution().id()).isEqualTo(first.id());
    assertThat(second.execution().watched()).isTrue();
  }

  /** Creates, claims, samples and completes an execution of its own tier; returns its id. */
  private static long runToSuccess(String tier, boolean watched) {
    Execution created = create(tier, watched);
    assertThat(created.watched()).isEqualTo(watched);
    ClaimedExecution claimed = claimOne(tier);
    AttemptId attempt = claimed.execution().attemptId();
    assertThat(
            executions.recordProgress(
                List.of(new ProgressSample(attempt, new Progress(5, 50, 10, 100, 1, 1)))))
        .containsExactly(created.id());
    assertThat(
            executions.complete(
                attempt,
                new StoredResult(
                    "results/" + created.id(),
                    1,
                    2,
                    List.of(new ResultMetadata.Column("x", "UInt8")),
                    null,
                    3),
                Duration.ofHours(1)))
        .isTrue();
    return created.id();
  }

  private static Execution create(String tier, boolean watched) {
    return ((CreateOutcome.Created) executions.createOrCollapse(request(tier), watched))
        .execution();
  }

  private static ClaimedExecution claimOne(String tier) {
    List<ClaimedExecution> claimed = executions.claim(tier, "w", 1, LEASE);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst();
  }

  private static NewExecution request(String tier) {
    String queryId = UUID.randomUUID().toString();
    return NewExecution.builder(queryId, "SELECT 1")
        .format("JSON")
        .tier(tier)
        .createdBy("t")
        .build();
  }

  private static String updatedAt(long id) {
    return db.jdbc()
        .sql("select updated_at::text from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }

  private static Connection listening() throws SQLException {
    Connection connection = db.dataSource().getConnection();
    try (Statement statement = connection.createStatement()) {
      statement.execute("listen " + Channels.CHANGED);
    }
    return connection;
  }

  /** The payloads received until (and with) {@code last}, or for at most 10 s. */
  private static List<String> until(Connection connection, String last) throws SQLException {
    List<String> payloads = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    PGConnection pg = connection.unwrap(PGConnection.class);
    while (System.nanoTime() < deadline) {
      PGNotification[] received = pg.getNotifications(500);
      if (received == null) {
        continue;
      }
      for (PGNotification notification : received) {
        payloads.add(notification.getParameter());
        if (notification.getParameter().equals(last)) {
          return payloads;
        }
      }
    }
    return payloads;
  }
}
