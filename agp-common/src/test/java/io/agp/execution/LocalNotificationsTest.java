package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.results.InlineResult;
import io.agp.testkit.MigratedDatabase;
import io.agp.testkit.PostgresTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Notifications between apps of one process that share a database ({@link LocalNotifications}): the
 * listener has each change on the thread that committed it, before PostgreSQL sends it, exactly
 * once (its copy from PostgreSQL is dropped); a listener of another database has none of it; and a
 * notification from another process still arrives through PostgreSQL.
 */
class LocalNotificationsTest {

  private static final String CHANNEL = Channels.CHANGED;

  /** A payload and the thread that delivered it. */
  private record Heard(String payload, String thread) {}

  private static final class Recorder implements NotificationListener.Handler {

    final List<Heard> heard = new CopyOnWriteArrayList<>();
    // The rows handed along, in order; a notification without one is listed as "none".
    final List<Object> rows = new CopyOnWriteArrayList<>();
    final AtomicInteger listening = new AtomicInteger();

    @Override
    public void notified(String channel, String payload) {
      heard.add(new Heard(payload, Thread.currentThread().getName()));
    }

    @Override
    public void notified(String channel, String payload, Execution row) {
      rows.add(row == null ? "none" : row);
      notified(channel, payload);
    }

    @Override
    public void listening() {
      listening.incrementAndGet();
    }

    long count(String payload) {
      return heard.stream().filter(h -> h.payload().equals(payload)).count();
    }
  }

  private static NotificationListener listener(String database, Recorder recorder) {
    PostgresTestServer postgres = PostgresTestServer.shared();
    NotificationListener listener =
        new NotificationListener(
            new NotificationListener.Target(database, postgres.user(), postgres.password()),
            "agp-test-listener",
            List.of(CHANNEL),
            recorder);
    listener.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.listening.get() == 1);
    return listener;
  }

  /**
   * A completion hands the row it committed to the listeners of this process, exactly as a read
   * would find it, small result included; the same change queued again without its row hands none,
   * so that no listener takes an earlier state for the current one.
   */
  @Test
  void aCompletionHandsItsCommittedRowAlong() throws Exception {
    try (MigratedDatabase db = MigratedDatabase.create()) {
      String url = db.dataSource().getJdbcUrl();
      Recorder here = new Recorder();
      try (NotificationListener listening = listener(url, here)) {
        ExecutionRepository executions = new ExecutionRepository(db.jdbc());
        long id =
            executions
                .createOrCollapse(
                    NewExecution.builder("handed", "SELECT 1")
                        .queryHash("h")
                        .format("TSV")
                        .createdBy("tester")
                        .build(),
                    true)
                .execution()
                .id();
        AttemptId attempt =
            executions.claim("default", "w", 1, Duration.ofMinutes(1)).getFirst().attemptId();
        InlineResult inline = new InlineResult("1\n".getBytes(StandardCharsets.UTF_8));
        executions.complete(
            attempt,
            new StoredResult("results/handed.tsv", 1, 2, List.of(), null, 3, inline),
            Duration.ofHours(1));
        String payload = Channels.changed(id, ExecutionStatus.SUCCEEDED);
        // On the completing thread, before complete returns: no thread to wake in between.
        assertThat(here.heard).contains(new Heard(payload, Thread.currentThread().getName()));

        Execution handed = (Execution) here.rows.getLast();
        assertThat(handed).isEqualTo(executions.get(id).orElseThrow());
        assertThat(handed.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(handed.result().inline()).isEqualTo(inline);

        // The same change with its row, then without, in one transaction: both are handed over
        // when it commits, in order, the second with no row, so that no listener takes the row for
        // the state after the second; PostgreSQL sends them as one notification.
        Notifier notifier = new Notifier(db.jdbc());
        int before = here.rows.size();
        db.transactions()
            .executeWithoutResult(
                status -> {
                  notifier.changed(id, ExecutionStatus.SUCCEEDED, handed);
                  notifier.changed(id, ExecutionStatus.SUCCEEDED);
                  assertThat(here.count(payload)).as("not before the commit").isEqualTo(1);
                });
        assertThat(here.count(payload)).isEqualTo(3);
        assertThat(here.rows.subList(before, here.rows.size())).containsExactly(handed, "none");
        // With its row alone, the row goes along.
        notifier.changed(id, ExecutionStatus.SUCCEEDED, handed);
        assertThat(here.count(payload)).isEqualTo(4);
        assertThat(here.rows.getLast()).isSameAs(handed);
        Thread.sleep(500);
        assertThat(here.count(payload)).as("PostgreSQL's copies dropped").isEqualTo(4);
      }
    }
  }

  @Test
  void aBatchReachesTheListenersOfItsDatabaseHereOnceAndNoOther() throws Exception {
    PostgresTestServer postgres = PostgresTestServer.shared();
    String database = postgres.newDatabase();
    String other = postgres.newDatabase();
    Recorder here = new Recorder();
    Recorder elsewhere = new Recorder();
    try (NotificationListener listening = listener(database, here);
        NotificationListener listeningElsewhere = listener(other, elsewhere)) {
      JdbcClient jdbc = JdbcClient.create(postgres.dataSource(database));
      Notifier notifier = new Notifier(jdbc);

      notifier.changed(41, ExecutionStatus.RUNNING);
      await().atMost(Duration.ofSeconds(10)).until(() -> here.count("41:RUNNING") == 1);
      // The same change again, later: a notification of its own, delivered once too.
      notifier.changed(41, ExecutionStatus.RUNNING);
      await().atMost(Duration.ofSeconds(10)).until(() -> here.count("41:RUNNING") == 2);
      // A notification from another process: only PostgreSQL brings it.
      jdbc.sql("select pg_notify(:channel, '42:SUCCEEDED')")
          .param("channel", CHANNEL)
          .query()
          .listOfRows();
      await().atMost(Duration.ofSeconds(10)).until(() -> here.count("42:SUCCEEDED") == 1);
      // Time for the copies of the first two to arrive from PostgreSQL, and be dropped.
      Thread.sleep(1000);

      String committing = Thread.currentThread().getName();
      assertThat(here.heard)
          .containsExactly(
              new Heard("41:RUNNING", committing),
              new Heard("41:RUNNING", committing),
              new Heard("42:SUCCEEDED", "pg-listen"));
      assertThat(elsewhere.heard).isEmpty();
    }
  }
}
