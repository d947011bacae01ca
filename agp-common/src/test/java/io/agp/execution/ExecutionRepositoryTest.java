package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.results.InlineResult;
import io.agp.testkit.MigratedDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ExecutionRepositoryTest {

  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(java.nio.charset.StandardCharsets.UTF_8));

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
  void createsPendingExecutionWithItsRequest() {
    NewExecution request = request("SELECT 1", "default", Map.of("team", "ads"));

    CreateOutcome outcome = repository.createOrCollapse(request);

    assertThat(outcome).isInstanceOf(CreateOutcome.Created.class);
    Execution execution = outcome.execution();
    assertThat(execution.status()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(execution.queryId()).isEqualTo(request.queryId());
    assertThat(execution.sql()).isEqualTo("SELECT 1");
    assertThat(execution.labels()).containsEntry("team", "ads");
    assertThat(execution.attempt()).isZero();
    assertThat(execution.collapsedCount()).isZero();
    assertThat(execution.createdAt()).isNotNull();
    assertThat(repository.get(execution.id())).contains(execution);
  }

  @Test
  void collapsesConcurrentCreatesOntoOneExecution() throws Exception {
    NewExecution request = request("SELECT 'collapse me'", "default", Map.of());
    int callers = 200;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<CreateOutcome>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
      for (int i = 0; i < callers; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return repository.createOrCollapse(request);
                }));
      }
      start.countDown();
    }
    List<CreateOutcome> outcomes = new ArrayList<>();
    for (Future<CreateOutcome> future : futures) {
      outcomes.add(future.get());
    }

    assertThat(outcomes.stream().map(o -> o.execution().id()).distinct()).hasSize(1);
    assertThat(outcomes).filteredOn(CreateOutcome.Created.class::isInstance).hasSize(1);
    assertThat(outcomes).filteredOn(CreateOutcome.Collapsed.class::isInstance).hasSize(199);
    long id = outcomes.getFirst().execution().id();
    assertThat(repository.get(id).orElseThrow().collapsedCount()).isEqualTo(199);
    assertThat(
            db.jdbc()
                .sql("select count(*) from executions where query_id = :q")
                .param("q", request.queryId())
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void refusesOtherSqlUnderAnInFlightQueryId() {
    Execution first = repository.createOrCollapse(request("SELECT 1", "shared-id")).execution();

    CreateOutcome second = repository.createOrCollapse(request("SELECT 2", "shared-id"));

    assertThat(second).isInstanceOf(CreateOutcome.Conflict.class);
    assertThat(second.execution().id()).isEqualTo(first.id());
    assertThat(repository.get(first.id()).orElseThrow().collapsedCount()).isZero();
  }

  @Test
  void createsAnewOnceTheInFlightExecutionEnded() {
    Execution first = repository.createOrCollapse(request("SELECT 3", "again")).execution();
    repository.cancel(first.id(), null);

    CreateOutcome second = repository.createOrCollapse(request("SELECT 3", "again"));

    assertThat(second).isInstanceOf(CreateOutcome.Created.class);
    assertThat(second.execution().id()).isNotEqualTo(first.id());
  }

  @Test
  void claimsByPriorityThenAgeWithinItsTier() {
    String tier = "order";
    long low = create("SELECT 'low'", tier, 0);
    long high = create("SELECT 'high'", tier, 5);
    long lowLater = create("SELECT 'low later'", tier, 0);
    create("SELECT 'other tier'", "elsewhere", 9);

    List<Long> claimed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      repository.claim(tier, "w", 1, LEASE).forEach(c -> claimed.add(c.execution().id()));
    }

    assertThat(claimed).containsExactly(high, low, lowLater);
  }

  @Test
  void claimGivesTheWorkerALeaseAndTheParameters() {
    NewExecution request =
        NewExecution.builder("with-params", "SELECT {x}")
            .queryHash("h")
            .format("JSON")
            .tier("params")
            .createdBy("alice")
            .parameters(Map.of("x", "secret"))
            .build();
    long id = repository.createOrCollapse(request).execution().id();

    ClaimedExecution claimed = repository.claim("params", "worker-1", 5, LEASE).getFirst();

    assertThat(claimed.execution().id()).isEqualTo(id);
    assertThat(claimed.execution().status()).isEqualTo(ExecutionStatus.RUNNING);
    assertThat(claimed.execution().attempt()).isEqualTo(1);
    assertThat(claimed.execution().workerId()).isEqualTo("worker-1");
    assertThat(claimed.execution().leaseExpiresAt()).isAfter(claimed.execution().pickedAt());
    assertThat(claimed.parameters()).containsExactly(Map.entry("x", "secret"));
    assertThat(claimed.toString()).doesNotContain("secret");
  }

  @Test
  void concurrentClaimersClaimEachExecutionExactlyOnce() throws Exception {
    String tier = "drain";
    db.jdbc()
        .sql(
            """
            insert into executions (query_id, query_hash, sql, tier, created_by)
            select 'drain-' || n, 'h', 'SELECT ' || n, :tier, 'load'
            from generate_series(1, 2000) n
            """)
        .param("tier", tier)
        .update();
    ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int w = 0; w < 4; w++) {
        String worker = "worker-" + w;
        pool.submit(
            () -> {
              start.await();
              List<ClaimedExecution> batch;
              do {
                batch = repository.claim(tier, worker, 7, LEASE);
                batch.forEach(c -> claimed.add(c.execution().id()));
              } while (!batch.isEmpty());
              return null;
            });
      }
      start.countDown();
    }

    assertThat(claimed).hasSize(2000);
    assertThat(new HashSet<>(claimed)).hasSize(2000);
    assertThat(
            db.jdbc()
                .sql(
                    "select status, attempt, count(*) from executions where tier = :tier"
                        + " group by status, attempt")
                .param("tier", tier)
                .query((rs, n) -> rs.getString(1) + "/" + rs.getInt(2) + "=" + rs.getLong(3))
                .list())
        .containsExactly("RUNNING/1=2000");
  }

  /** A small result completes in the row and comes back with every read of it, byte for byte. */
  @Test
  void aResultKeptInTheRowComesBackWithTheRow() {
    long id = create("SELECT 'small'", "inline", 0);
    AttemptId attemptId = repository.claim("inline", "w", 1, LEASE).getFirst().attemptId();
    byte[] bytes = {'a', 0, (byte) 0xff, '\n', '\\'};
    StoredResult small =
        new StoredResult(
            "results/x.csv", 1, bytes.length, List.of(), null, 5, new InlineResult(bytes));

    assertThat(repository.complete(attemptId, small, Duration.ofHours(1))).isTrue();

    Execution after = repository.get(id).orElseThrow();
    assertThat(after.result().inline()).isEqualTo(new InlineResult(bytes.clone()));
    assertThat(after.result().key()).isEqualTo("results/x.csv");
    assertThat(repository.get(create("SELECT 'stored'", "inline", 0)).orElseThrow().result())
        .isNull();
  }

  @Test
  void writesOfAWorkerWhoseExecutionWasCanceledChangeNothing() {
    long id = create("SELECT 'cancel me'", "fence-cancel", 0);
    AttemptId attemptId = repository.claim("fence-cancel", "w", 1, LEASE).getFirst().attemptId();

    assertThat(repository.cancel(id, null)).isPresent();

    assertThat(repository.heartbeat(attemptId, LEASE)).isFalse();
    assertThat(
            repository.recordProgress(
                List.of(new ProgressSample(attemptId, new Progress(1, 2, 3, 4, 5, 5)))))
        .isEmpty();
    assertThat(repository.complete(attemptId, result("k"), Duration.ofHours(1))).isFalse();
    assertThat(repository.fail(attemptId, "boom")).isFalse();
    assertThat(repository.requeue(attemptId, Duration.ZERO, "again")).isFalse();
    Execution after = repository.get(id).orElseThrow();
    assertThat(after.status()).isEqualTo(ExecutionStatus.CANCELED);
    assertThat(after.result()).isNull();
    assertThat(after.progress()).isNull();
    assertThat(after.error()).isNull();
  }

  @Test
  void writesOfAnEarlierAttemptChangeNothingOnceTheExecutionWasClaimedAgain() {
    long id = create("SELECT 'requeue me'", "fence-requeue", 0);
    AttemptId first = repository.claim("fence-requeue", "w1", 1, LEASE).getFirst().attemptId();
    assertThat(repository.requeue(first, Duration.ZERO, "worker lost")).isTrue();
    AttemptId second = repository.claim("fence-requeue", "w2", 1, LEASE).getFirst().attemptId();
    assertThat(second.attempt()).isEqualTo(2);

    assertThat(repository.heartbeat(first, LEASE)).isFalse();
    assertThat(
            repository.recordProgress(
                List.of(new ProgressSample(first, new Progress(1, 2, 3, 4, 5, 5)))))
        .isEmpty();
    assertThat(repository.complete(first, result("stale"), Duration.ofHours(1))).isFalse();
    assertThat(repository.fail(first, "stale")).isFalse();
    assertThat(repository.heartbeat(second, LEASE)).isTrue();
    assertThat(
            repository.recordProgress(
                List.of(new ProgressSample(second, new Progress(10, 20, 30, 40, 50, 50)))))
        .containsExactly(id);
    assertThat(repository.complete(second, result("fresh"), Duration.ofHours(1))).isTrue();

    Execution after = repository.get(id).orElseThrow();
    assertThat(after.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(after.attempt()).isEqualTo(2);
    assertThat(after.workerId()).isEqualTo("w2");
    assertThat(after.result().key()).isEqualTo("fresh");
    assertThat(after.result().expiresAt()).isAfter(after.completedAt());
    assertThat(after.progress()).isEqualTo(new Progress(10, 20, 30, 40, 50, 50));
  }

  @Test
  void oneStatementRenewsTheLeasesOfSeveralAttemptsAndTellsWhichWereLost() {
    long kept = create("SELECT 'keep me'", "renew", 0);
    long canceled = create("SELECT 'cancel me too'", "renew", 0);
    List<AttemptId> leases =
        repository.claim("renew", "w", 2, LEASE).stream().map(ClaimedExecution::attemptId).toList();
    Execution before = repository.get(kept).orElseThrow();
    assertThat(repository.cancel(canceled, null)).isPresent();

    assertThat(repository.renewLeases(leases, Duration.ofHours(1))).containsExactly(kept);
    assertThat(repository.get(kept).orElseThrow().leaseExpiresAt())
        .isAfter(before.leaseExpiresAt().plus(Duration.ofMinutes(30)));
  }

  @Test
  void aRequeuedExecutionWaitsForItsBackoff() {
    create("SELECT 'later'", "backoff", 0);
    AttemptId attemptId = repository.claim("backoff", "w", 1, LEASE).getFirst().attemptId();

    repository.requeue(attemptId, Duration.ofHours(1), "transient");

    assertThat(repository.claim("backoff", "w", 1, LEASE)).isEmpty();
  }

  @Test
  void endingAnExecutionWipesItsParameters() {
    NewExecution request =
        NewExecution.builder("wipe", "SELECT 1")
            .queryHash("h")
            .format("JSON")
            .tier("wipe")
            .createdBy("bob")
            .parameters(Map.of("p", "v"))
            .build();
    long id = repository.createOrCollapse(request).execution().id();
    AttemptId attemptId = repository.claim("wipe", "w", 1, LEASE).getFirst().attemptId();

    repository.fail(attemptId, "syntax error");

    assertThat(
            db.jdbc()
                .sql("select parameters from executions where id = :id")
                .param("id", id)
                .query(String.class)
                .optional())
        .isEmpty();
  }

  private static long create(String sql, String tier, int priority) {
    NewExecution request =
        NewExecution.builder(HASH.of(sql, "JSON", Map.of()) + tier, sql)
            .queryHash(HASH.of(sql, "JSON", Map.of()))
            .format("JSON")
            .tier(tier)
            .createdBy("tester")
            .priority(priority)
            .build();
    return repository.createOrCollapse(request).execution().id();
  }

  @Test
  void whoMayReadCancelOrReplaceIsDecidedByTheStatements() {
    String sql = "SELECT 'owned " + System.nanoTime() + "'";
    String hash = HASH.of(sql, "JSON", Map.of());
    NewExecution ofAlice =
        NewExecution.builder(hash, sql).format("JSON").createdBy("alice").build();
    long id = repository.createOrCollapse(ofAlice).execution().id();

    assertThat(repository.getVisible(id, "bob")).isEmpty();
    assertThat(repository.getVisible(id, "alice")).isPresent();
    assertThat(repository.getVisible(id, null)).isPresent();

    // Bob's identical create collapses onto it (shared per tier): from now on he may read it.
    NewExecution ofBob = NewExecution.builder(hash, sql).format("JSON").createdBy("bob").build();
    assertThat(repository.createOrCollapse(ofBob)).isInstanceOf(CreateOutcome.Collapsed.class);
    assertThat(repository.getVisible(id, "bob")).isPresent();
    assertThat(repository.readers(id)).containsExactly("bob");

    // Reading is not owning: only alice (or an admin, owner null) may cancel or replace it.
    assertThat(repository.cancel(id, "bob")).isEmpty();
    NewExecution replacement =
        NewExecution.builder(hash, "SELECT 2")
            .queryHash("other")
            .format("JSON")
            .createdBy("bob")
            .build();
    assertThat(repository.cancelInFlight(replacement, "bob")).isEmpty();
    assertThat(repository.get(id).orElseThrow().status()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(repository.cancel(id, "alice")).isPresent();
  }

  @Test
  void twoUsersQueryIdsNeverMeetWhenEachHasAShareKeyOfTheirOwn() {
    String sql = "SELECT 'apart " + System.nanoTime() + "'";
    String hash = HASH.of(sql, "JSON", Map.of());
    NewExecution ofAlice =
        NewExecution.builder("report", sql)
            .queryHash(hash)
            .format("JSON")
            .createdBy("alice")
            .shareKey("alice")
            .build();
    NewExecution ofBob =
        NewExecution.builder("report", "SELECT 2")
            .queryHash("other")
            .format("JSON")
            .createdBy("bob")
            .shareKey("bob")
            .quotaKey("team-b")
            .build();

    assertThat(repository.createOrCollapse(ofAlice)).isInstanceOf(CreateOutcome.Created.class);
    assertThat(repository.createOrCollapse(ofBob)).isInstanceOf(CreateOutcome.Created.class);
    assertThat(repository.findInFlight("default", "alice", "report").orElseThrow().createdBy())
        .isEqualTo("alice");
    assertThat(repository.findInFlight("default", "bob", "report").orElseThrow().createdBy())
        .isEqualTo("bob");
  }

  private static NewExecution request(String sql, String queryId) {
    return NewExecution.builder(queryId, sql)
        .queryHash(HASH.of(sql, "JSON", Map.of()))
        .format("JSON")
        .createdBy("tester")
        .build();
  }

  private static NewExecution request(String sql, String tier, Map<String, String> labels) {
    String hash = HASH.of(sql, "JSON", Map.of());
    return NewExecution.builder(hash, sql)
        .format("JSON")
        .tier(tier)
        .createdBy("tester")
        .labels(labels)
        .build();
  }

  private static StoredResult result(String key) {
    return new StoredResult(key, 1, 10, List.of(new ResultMetadata.Column("x", "UInt8")), null, 5);
  }
}
