package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.ClaimedExecution;
import io.agp.execution.Execution;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A PENDING execution's place in its tier's queue is the place the claim gives it. */
class QueuePositionTest extends FreshDatabaseTest {

  @Test
  void positionsOfAMixedBacklogAreTheOrderOfTheClaim() {
    String tier = "mixed";
    // Dave runs two and has had his turn recently; bob runs one; a priority row of carol's; an
    // execution of erin's waits out a retry backoff.
    pending(tier, "dave");
    pending(tier, "dave");
    pending(tier, "bob");
    assertThat(repository.claim(tier, "w", 3, LEASE)).hasSize(3);
    for (int i = 0; i < 4; i++) {
      pending(tier, "alice");
    }
    pending(tier, "bob");
    pending(tier, "dave");
    pending(tier, "bob");
    pending(tier, "carol", 5);
    pending(tier, "dave");
    pending(tier, "erin");
    repository.requeue(claimOne(tier).attemptId(), Duration.ofHours(1), "transient");
    pending(tier, "erin");
    pending(tier, "dave");
    pending(tier, "carol");

    Map<Long, Long> positions = positions(tier);
    List<Long> claimable = claimable(tier);

    // Claims of 1, 2, ... n executions, each rolled back: the one a claim of k takes on top of a
    // claim of k - 1 is the execution at position k.
    for (int k = 1; k <= claimable.size(); k++) {
      int limit = k;
      Set<Long> expected = new HashSet<>();
      positions.forEach(
          (id, position) -> {
            if (position <= limit && claimable.contains(id)) {
              expected.add(id);
            }
          });
      assertThat(claimWithoutKeeping(tier, k)).as("a claim of %d", k).isEqualTo(expected);
    }
    assertThat(claimable).extracting(positions::get).doesNotHaveDuplicates();
    assertThat(positions).hasSize(claimable.size() + 1);
  }

  @Test
  void theFirstExecutionOfANewUserComesSecondAfterABacklogOfFiveThousand() {
    String tier = "backlog";
    backlog(tier, "bob", 5_000);
    for (int user = 0; user < 50; user++) {
      backlog(tier, "user" + user, 10);
    }
    long carols = pending(tier, "carol");
    long bobsLast =
        db.jdbc()
            .sql(
                "select max(id) from executions where tier = :tier and created_by = 'bob'"
                    + " and status = 'PENDING'")
            .param("tier", tier)
            .query(Long.class)
            .single();
    db.jdbc().sql("analyze executions").update();

    long started = System.nanoTime();
    long carolsPlace = queries.queuePosition(carols).orElseThrow();
    Duration first = Duration.ofNanos(System.nanoTime() - started);
    started = System.nanoTime();
    long bobsLastPlace = queries.queuePosition(bobsLast).orElseThrow();
    Duration last = Duration.ofNanos(System.nanoTime() - started);

    // Every user's first execution comes before the second of any: bob's (the oldest), then the
    // fifty users' in age order, then carol's.
    assertThat(carolsPlace).isEqualTo(52);
    assertThat(bobsLastPlace).isEqualTo(5_000 + 50 * 10 + 1);
    System.out.printf(
        "queue_position with a backlog of 5,501: first of a user %d ms, last of the backlog %d"
            + " ms%n",
        first.toMillis(), last.toMillis());
    assertThat(first).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void anExecutionThatIsNotPendingHasNoPosition() {
    String tier = "not-pending";
    long id = pending(tier, "alice");
    claimOne(tier);

    assertThat(queries.queuePosition(id)).isEmpty();
    assertThat(queries.queuePosition(Long.MAX_VALUE)).isEmpty();
  }

  /** Each PENDING execution of the tier and its position. */
  private static Map<Long, Long> positions(String tier) {
    Map<Long, Long> positions = new LinkedHashMap<>();
    for (long id :
        db.jdbc()
            .sql("select id from executions where tier = :tier and status = 'PENDING' order by id")
            .param("tier", tier)
            .query(Long.class)
            .list()) {
      positions.put(id, queries.queuePosition(id).orElseThrow());
    }
    return positions;
  }

  private static List<Long> claimable(String tier) {
    return db.jdbc()
        .sql(
            "select id from executions where tier = :tier and status = 'PENDING'"
                + " and run_after <= now() order by id")
        .param("tier", tier)
        .query(Long.class)
        .list();
  }

  private static Set<Long> claimWithoutKeeping(String tier, int limit) {
    TransactionTemplate transaction =
        new TransactionTemplate(new JdbcTransactionManager(db.dataSource()));
    return transaction.execute(
        status -> {
          status.setRollbackOnly();
          Set<Long> ids = new HashSet<>();
          repository.claim(tier, "w", limit, LEASE).forEach(c -> ids.add(c.execution().id()));
          return ids;
        });
  }

  private static Execution claimOne(String tier) {
    List<ClaimedExecution> claimed = repository.claim(tier, "w", 1, LEASE);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst().execution();
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
}
