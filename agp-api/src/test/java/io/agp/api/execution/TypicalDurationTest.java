package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.AttemptId;
import io.agp.execution.ClaimedExecution;
import io.agp.execution.Execution;
import io.agp.execution.NewExecution;
import io.agp.execution.StoredResult;
import io.agp.execution.TypicalDuration;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How long a query usually runs, from the executions of the same query that succeeded. */
class TypicalDurationTest extends FreshDatabaseTest {

  @Test
  void theMedianOfTheRunsSoFarOnceThereAreThree() {
    String hash = UUID.randomUUID().toString();
    succeed(hash, "", 100);
    succeed(hash, "", 900);
    long running = running(hash, "");
    assertThat(queries.typicalDuration(running, 20, 3)).isEmpty();

    succeed(hash, "", 300);

    assertThat(queries.typicalDuration(running, 20, 3)).contains(new TypicalDuration(300, 3));
  }

  @Test
  void onlyTheLatestRunsCount() {
    String hash = UUID.randomUUID().toString();
    for (int i = 0; i < 5; i++) {
      succeed(hash, "", 10_000);
    }
    for (int i = 0; i < 3; i++) {
      succeed(hash, "", 200);
    }

    assertThat(queries.typicalDuration(running(hash, ""), 3, 3))
        .contains(new TypicalDuration(200, 3));
  }

  @Test
  void failedRunsAndRunsOfAnotherShareKeyDoNotCount() {
    String hash = UUID.randomUUID().toString();
    for (int i = 0; i < 3; i++) {
      succeed(hash, "bob", 100);
      failed(hash, "alice");
    }
    succeed(hash, "alice", 5_000);
    succeed(hash, "alice", 7_000);

    assertThat(queries.typicalDuration(running(hash, "alice"), 20, 3)).isEmpty();
    assertThat(queries.typicalDuration(running(hash, "bob"), 20, 3))
        .contains(new TypicalDuration(100, 3));
  }

  private static void succeed(String hash, String shareKey, long durationMillis) {
    AttemptId attemptId = claim(create(hash, shareKey));
    assertThat(
            repository.complete(
                attemptId,
                new StoredResult(
                    "k-" + attemptId.executionId(), 1, 1, List.of(), null, durationMillis),
                Duration.ofHours(1)))
        .isTrue();
  }

  private static void failed(String hash, String shareKey) {
    assertThat(repository.fail(claim(create(hash, shareKey)), "boom")).isTrue();
  }

  private static long running(String hash, String shareKey) {
    long id = create(hash, shareKey);
    claim(id);
    return id;
  }

  private static AttemptId claim(long id) {
    Execution execution = repository.get(id).orElseThrow();
    List<ClaimedExecution> claimed = repository.claim(execution.tier(), "w", 1, LEASE);
    assertThat(claimed).singleElement().extracting(c -> c.execution().id()).isEqualTo(id);
    return claimed.getFirst().attemptId();
  }

  /** A new execution of the query, in a tier of its own so that each claim takes it. */
  private static long create(String hash, String shareKey) {
    String queryId = UUID.randomUUID().toString();
    String user = shareKey.isEmpty() ? "anyone" : shareKey;
    return repository
        .createOrCollapse(
            NewExecution.builder(queryId, "SELECT 1")
                .queryHash(hash)
                .format("JSON")
                .tier("typical")
                .createdBy(user)
                .shareKey(shareKey)
                .build())
        .execution()
        .id();
  }
}
