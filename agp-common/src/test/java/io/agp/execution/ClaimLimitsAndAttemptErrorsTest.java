package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.MigratedDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClaimLimitsAndAttemptErrorsTest {

  private static final Duration LEASE = Duration.ofSeconds(30);

  private static MigratedDatabase db;
  private static ExecutionRepository repository;

  @BeforeAll
  static void migrate() {
    db = MigratedDatabase.create();
    repository = new ExecutionRepository(db.jdbc(), db.transactions());
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aUserAtTheTierLimitIsPassedOverForOtherUsers() {
    String tier = "per-user";
    for (int i = 0; i < 5; i++) {
      create(tier, "greedy");
    }
    long modest = create(tier, "modest");

    List<ClaimedExecution> first = repository.claim(tier, "w", 10, LEASE, 2);
    List<ClaimedExecution> second = repository.claim(tier, "w", 10, LEASE, 2);

    assertThat(first)
        .extracting(c -> c.execution().createdBy())
        .containsExactlyInAnyOrder("greedy", "greedy", "modest");
    assertThat(first).extracting(c -> c.execution().id()).contains(modest);
    assertThat(second).isEmpty();
  }

  @Test
  void aFinishedExecutionMakesRoomUnderTheUserLimit() {
    String tier = "per-user-room";
    create(tier, "bob");
    create(tier, "bob");
    ClaimedExecution running = repository.claim(tier, "w", 10, LEASE, 1).getFirst();
    assertThat(repository.claim(tier, "w", 10, LEASE, 1)).isEmpty();

    repository.fail(running.attemptId(), "done");

    assertThat(repository.claim(tier, "w", 10, LEASE, 1)).hasSize(1);
  }

  @Test
  void workersClaimingAtTheSameInstantNeverOvershootTheUserLimitTogether() throws Exception {
    int workers = 8;
    int limit = 2;
    for (int round = 0; round < 20; round++) {
      String tier = "race-" + round;
      for (int i = 0; i < 10; i++) {
        create(tier, "greedy");
      }
      CyclicBarrier start = new CyclicBarrier(workers);
      List<Future<Integer>> claims = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
        for (int w = 0; w < workers; w++) {
          String worker = "w" + w;
          claims.add(
              pool.submit(
                  () -> {
                    start.await();
                    return repository.claim(tier, worker, 10, LEASE, limit).size();
                  }));
        }
        int claimed = 0;
        for (Future<Integer> claim : claims) {
          claimed += claim.get();
        }
        assertThat(claimed).as("executions claimed in round %d", round).isEqualTo(limit);
      }
    }
  }

  @Test
  void noLimitClaimsEveryExecutionOfOneUser() {
    String tier = "per-user-none";
    for (int i = 0; i < 4; i++) {
      create(tier, "carol");
    }

    assertThat(repository.claim(tier, "w", 10, LEASE, 0)).hasSize(4);
  }

  @Test
  void aFailureAfterRequeuesTellsTheReasonOfEachAttempt() {
    String tier = "attempts";
    long id = create(tier, "dave");
    repository.requeue(
        repository.claim(tier, "w", 1, LEASE).getFirst().attemptId(), Duration.ZERO, "refused");
    repository.requeue(
        repository.claim(tier, "w", 1, LEASE).getFirst().attemptId(), Duration.ZERO, "503");

    repository.fail(repository.claim(tier, "w", 1, LEASE).getFirst().attemptId(), "refused again");

    Execution failed = repository.get(id).orElseThrow();
    assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(failed.error())
        .isEqualTo("attempt 1: refused; attempt 2: 503; attempt 3: refused again");
    assertThat(attemptErrors(id))
        .isEqualTo("[\"attempt 1: refused\", \"attempt 2: 503\", \"attempt 3: refused again\"]");
  }

  @Test
  void aFirstAttemptFailureKeepsItsOwnMessage() {
    String tier = "attempts-once";
    long id = create(tier, "erin");

    repository.fail(
        repository.claim(tier, "w", 1, LEASE).getFirst().attemptId(), "Code: 62. Syntax");

    assertThat(repository.get(id).orElseThrow().error()).isEqualTo("Code: 62. Syntax");
    assertThat(attemptErrors(id)).isEqualTo("[\"attempt 1: Code: 62. Syntax\"]");
  }

  private static String attemptErrors(long id) {
    return db.jdbc()
        .sql("select attempt_errors::text from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }

  private static long create(String tier, String user) {
    String queryId = UUID.randomUUID().toString();
    return repository
        .createOrCollapse(
            NewExecution.builder(queryId, "SELECT 1")
                .queryHash("h")
                .format("JSON")
                .tier(tier)
                .createdBy(user)
                .build())
        .execution()
        .id();
  }
}
