package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.MigratedDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Within a tier, claims take turns between users: one user's backlog cannot starve the others. */
class ClaimFairnessTest {

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
  void claimsAlternateBetweenUsers() {
    String tier = "alternate";
    for (int i = 0; i < 3; i++) {
      create(tier, "alice");
    }
    for (int i = 0; i < 3; i++) {
      create(tier, "bob");
    }

    List<String> users = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      users.add(claimOne(tier).createdBy());
    }

    assertThat(users).containsExactly("alice", "bob", "alice", "bob", "alice", "bob");
  }

  @Test
  void aBatchTakesTheOldestOfEachUserBeforeTheNextOfAny() {
    String tier = "batch";
    List<Long> alice = new ArrayList<>();
    List<Long> bob = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alice.add(create(tier, "alice"));
    }
    for (int i = 0; i < 3; i++) {
      bob.add(create(tier, "bob"));
    }

    List<ClaimedExecution> claimed = repository.claim(tier, "w", 4, LEASE);

    assertThat(claimed)
        .extracting(c -> c.execution().id())
        .containsExactlyInAnyOrder(alice.get(0), alice.get(1), bob.get(0), bob.get(1));
  }

  @Test
  void theUserWithTheFewestRunningGoesFirst() {
    String tier = "fewest";
    create(tier, "carol");
    create(tier, "carol");
    assertThat(repository.claim(tier, "w", 2, LEASE)).hasSize(2);
    create(tier, "dave");
    assertThat(claimOne(tier).createdBy()).isEqualTo("dave");
    // Oldest first, but carol runs two and dave one, erin none.
    long carols = create(tier, "carol");
    long daves = create(tier, "dave");
    long erins = create(tier, "erin");

    List<Long> order = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      order.add(claimOne(tier).id());
    }

    assertThat(order).containsExactly(erins, daves, carols);
  }

  @Test
  void aBacklogOfFiveThousandDelaysAnotherUsersExecutionByOneClaimAtMost() {
    String tier = "backlog";
    backlog(tier, "bob", 5_000);
    // The backlog is being worked through: bob's oldest runs.
    assertThat(claimOne(tier).createdBy()).isEqualTo("bob");
    long carols = create(tier, "carol");

    Execution next = claimOne(tier);

    assertThat(next.id()).isEqualTo(carols);
    assertThat(pending(tier, "bob")).isEqualTo(4_999);
  }

  @Test
  void aTierOfOneSlotServesAnotherUserAfterOneMoreOfABacklog() {
    String tier = "one-slot";
    backlog(tier, "bob", 5_000);
    ClaimedExecution running = repository.claim(tier, "w", 1, LEASE).getFirst();
    create(tier, "carol");

    // Each claim follows the end of the previous execution: no user is RUNNING at any claim.
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      repository.fail(running.attemptId(), "done");
      running = repository.claim(tier, "w", 1, LEASE).getFirst();
      users.add(running.execution().createdBy());
    }

    assertThat(users).containsExactly("bob", "carol", "bob");
  }

  @Test
  void aNewUsersExecutionJoinsTheFirstBatchTakenFromABacklog() {
    String tier = "backlog-batch";
    backlog(tier, "bob", 5_000);
    long carols = create(tier, "carol");

    List<ClaimedExecution> claimed = repository.claim(tier, "w", 2, LEASE);

    assertThat(claimed).extracting(c -> c.execution().id()).contains(carols);
    assertThat(claimed).extracting(c -> c.execution().createdBy()).containsOnlyOnce("bob");
  }

  @Test
  void priorityStillGoesFirst() {
    String tier = "priority";
    for (int i = 0; i < 3; i++) {
      create(tier, "carol");
    }
    assertThat(repository.claim(tier, "w", 3, LEASE)).hasSize(3);
    long bobs = create(tier, "bob");
    long carolsUrgent = create(tier, "carol", 5);

    Execution first = claimOne(tier);
    Execution second = claimOne(tier);

    // Carol runs three and bob none, yet her higher priority wins.
    assertThat(first.id()).isEqualTo(carolsUrgent);
    assertThat(second.id()).isEqualTo(bobs);
  }

  @Test
  void thePerUserLimitStaysExact() {
    String tier = "fair-limit";
    for (int i = 0; i < 6; i++) {
      create(tier, "greedy");
    }
    assertThat(repository.claim(tier, "w", 1, LEASE, 3)).hasSize(1);
    long modest = create(tier, "modest");

    List<ClaimedExecution> batch = repository.claim(tier, "w", 10, LEASE, 3);

    // Room for two more of greedy's, whatever the batch size.
    assertThat(batch)
        .extracting(c -> c.execution().createdBy())
        .containsExactlyInAnyOrder("greedy", "greedy", "modest");
    assertThat(batch).extracting(c -> c.execution().id()).contains(modest);
    assertThat(repository.claim(tier, "w", 10, LEASE, 3)).isEmpty();

    repository.fail(batch.getFirst().attemptId(), "done");

    assertThat(repository.claim(tier, "w", 10, LEASE, 3))
        .singleElement()
        .extracting(c -> c.execution().createdBy())
        .isEqualTo("greedy");
    assertThat(running(tier, "greedy")).isEqualTo(3);
  }

  @Test
  void anExecutionInBackoffIsPassedOverButNotTheRestOfItsUser() {
    String tier = "backoff";
    create(tier, "bob");
    long bobsSecond = create(tier, "bob");
    long carols = create(tier, "carol");
    repository.requeue(claimOne(tier).attemptId(), Duration.ofHours(1), "transient");

    // Carol first: bob had the last turn.
    assertThat(claimOne(tier).id()).isEqualTo(carols);
    assertThat(claimOne(tier).id()).isEqualTo(bobsSecond);
    assertThat(repository.claim(tier, "w", 10, LEASE)).isEmpty();
  }

  @Test
  void aClaimerBesideAnotherTakesTheExecutionsAfterThoseTheOtherHolds() throws Exception {
    String tier = "beside";
    backlog(tier, "bob", 100);
    TransactionTemplate transaction =
        new TransactionTemplate(new JdbcTransactionManager(db.dataSource()));

    List<List<Long>> claims =
        transaction.execute(
            status -> {
              // The first claim holds its rows, uncommitted, while the second one runs.
              List<Long> first = ids(repository.claim(tier, "first", 5, LEASE));
              try (ExecutorService other = Executors.newSingleThreadExecutor()) {
                List<Long> second =
                    other.submit(() -> ids(repository.claim(tier, "second", 5, LEASE))).get();
                return List.of(first, second);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });

    List<Long> oldestTen =
        db.jdbc()
            .sql("select id from executions where tier = :tier order by created_at, id limit 10")
            .param("tier", tier)
            .query(Long.class)
            .list();
    assertThat(claims.get(0)).containsExactlyInAnyOrderElementsOf(oldestTen.subList(0, 5));
    assertThat(claims.get(1)).containsExactlyInAnyOrderElementsOf(oldestTen.subList(5, 10));
  }

  @Test
  void concurrentClaimersNeverClaimAnExecutionTwice() throws Exception {
    String tier = "fair-race";
    for (int user = 0; user < 5; user++) {
      backlog(tier, "user" + user, 200);
    }
    create(tier, "single");
    int total = 5 * 200 + 1;
    int workers = 6;
    ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
    CyclicBarrier start = new CyclicBarrier(workers);
    try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
      List<Future<?>> loops = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        String worker = "worker-" + w;
        loops.add(
            pool.submit(
                () -> {
                  start.await();
                  // A claim may come back empty while another claimer holds the rows it
                  // ranked; stop only once none is left.
                  while (pending(tier) > 0) {
                    repository
                        .claim(tier, worker, 7, LEASE)
                        .forEach(c -> claimed.add(c.execution().id()));
                  }
                  return null;
                }));
      }
      for (Future<?> loop : loops) {
        loop.get(60, TimeUnit.SECONDS);
      }
    }

    assertThat(claimed).hasSize(total);
    assertThat(new HashSet<>(claimed)).hasSize(total);
    assertThat(
            db.jdbc()
                .sql(
                    "select status, attempt, count(*) from executions where tier = :tier"
                        + " group by status, attempt")
                .param("tier", tier)
                .query((rs, n) -> rs.getString(1) + "/" + rs.getInt(2) + "=" + rs.getLong(3))
                .list())
        .containsExactly("RUNNING/1=" + total);
  }

  @Test
  void concurrentClaimersKeepThePerUserLimitOfEveryUser() throws Exception {
    String tier = "fair-race-limit";
    for (int user = 0; user < 4; user++) {
      backlog(tier, "user" + user, 20);
    }
    int workers = 6;
    CyclicBarrier start = new CyclicBarrier(workers);
    int claimed = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
      List<Future<Integer>> claims = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        String worker = "worker-" + w;
        claims.add(
            pool.submit(
                () -> {
                  start.await();
                  return repository.claim(tier, worker, 5, LEASE, 2).size();
                }));
      }
      for (Future<Integer> claim : claims) {
        claimed += claim.get();
      }
    }

    assertThat(claimed).isEqualTo(4 * 2);
    for (int user = 0; user < 4; user++) {
      assertThat(running(tier, "user" + user)).as("user%d", user).isEqualTo(2);
    }
  }

  private static Execution claimOne(String tier) {
    List<ClaimedExecution> claimed = repository.claim(tier, "w", 1, LEASE);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst().execution();
  }

  private static List<Long> ids(List<ClaimedExecution> claimed) {
    return claimed.stream().map(c -> c.execution().id()).toList();
  }

  private static long create(String tier, String user) {
    return create(tier, user, 0);
  }

  private static long create(String tier, String user, int priority) {
    String queryId = UUID.randomUUID().toString();
    return repository
        .createOrCollapse(
            NewExecution.builder(queryId, "SELECT 1")
                .queryHash("h")
                .format("JSON")
                .tier(tier)
                .createdBy(user)
                .priority(priority)
                .build())
        .execution()
        .id();
  }

  /** PENDING executions of one user, oldest first, in one insert as a bulk load would make them. */
  private static void backlog(String tier, String user, int count) {
    db.jdbc()
        .sql(
            """
            insert into executions (query_id, query_hash, sql, tier, created_by, created_at)
            select gen_random_uuid()::text, 'h', 'SELECT ' || n, :tier, :user,
                   clock_timestamp()
            from generate_series(1, :count) n
            """)
        .param("tier", tier)
        .param("user", user)
        .param("count", count)
        .update();
  }

  private static long pending(String tier) {
    return db.jdbc()
        .sql("select count(*) from executions where tier = :tier and status = 'PENDING'")
        .param("tier", tier)
        .query(Long.class)
        .single();
  }

  private static long pending(String tier, String user) {
    return count(tier, user, "PENDING");
  }

  private static long running(String tier, String user) {
    return count(tier, user, "RUNNING");
  }

  private static long count(String tier, String user, String status) {
    return db.jdbc()
        .sql(
            "select count(*) from executions"
                + " where tier = :tier and created_by = :user and status = :status")
        .param("tier", tier)
        .param("user", user)
        .param("status", status)
        .query(Long.class)
        .single();
  }
}
