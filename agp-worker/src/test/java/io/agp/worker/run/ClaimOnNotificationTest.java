package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A PENDING execution is claimed on its notification at once, and by polling when none comes. */
class ClaimOnNotificationTest {

  private static WorkerStack notified;
  private static WorkerStack polling;

  @BeforeAll
  static void start() throws IOException {
    String results = Files.createTempDirectory("agp-claim").toUri().toString();
    // A poll interval far longer than the test waits: only a notification can explain a claim.
    notified =
        WorkerStack.start(
            Map.of("agp.results.location", results, "agp.worker.poll-interval", "30s"));
    polling =
        WorkerStack.start(
            Map.of("agp.results.location", results, "agp.worker.poll-interval", "1s"));
  }

  @AfterAll
  static void stop() {
    notified.close();
    polling.close();
  }

  @Test
  void aPendingExecutionIsClaimedWellWithinThePollIntervalByNotification() {
    notified.awaitListener();

    Execution done = awaitSucceeded(notified, notified.create("SELECT 1", "JSON", "default"));

    assertThat(Duration.between(done.createdAt(), done.pickedAt()))
        .isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void theListenerReconnectsAfterItsConnectionIsKilled() {
    int killed = notified.awaitListener();

    assertThat(
            notified
                .jdbc()
                .sql("select pg_terminate_backend(:pid)")
                .param("pid", killed)
                .query(Boolean.class)
                .single())
        .isTrue();
    int reconnected =
        await()
            .atMost(Duration.ofSeconds(15))
            .until(notified::listeners, pids -> !pids.isEmpty() && !pids.contains(killed))
            .getFirst();

    assertThat(reconnected).isNotEqualTo(killed);
    Execution done = awaitSucceeded(notified, notified.create("SELECT 2", "JSON", "default"));
    assertThat(Duration.between(done.createdAt(), done.pickedAt()))
        .isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void pollingAlonePicksUpAnExecutionWhenNotificationsAreLost() {
    // Inserted behind the repository's back: no notification, as when one is lost (a crash
    // between commit and notify, or a pooler in transaction mode).
    long id =
        polling
            .jdbc()
            .sql(
                """
                insert into executions (query_id, query_hash, sql, tier, created_by)
                values (gen_random_uuid()::text, 'h', 'SELECT 3', 'default', 'tester')
                returning id
                """)
            .query(Long.class)
            .single();

    Execution done = awaitSucceeded(polling, id);

    assertThat(Duration.between(done.createdAt(), done.pickedAt()))
        .isLessThan(Duration.ofSeconds(3));
  }

  private static Execution awaitSucceeded(WorkerStack stack, long id) {
    return stack.awaitStatus(id, ExecutionStatus.SUCCEEDED, Duration.ofSeconds(5));
  }
}
