package io.agp.bookkeeper.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.execution.AttemptId;
import io.agp.execution.Callback;
import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.StoredResult;
import io.agp.testkit.MigratedDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The outbox of callbacks: queued by the end of an execution, claimed once per attempt. */
class CallbackRepositoryTest {

  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(StandardCharsets.UTF_8));
  private static final String URL = "https://hooks.example.com/agp";
  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final Duration DAY = Duration.ofDays(1);

  private MigratedDatabase db;
  private ExecutionRepository executions;
  private CallbackRepository callbacks;

  @BeforeEach
  void migrate() {
    db = MigratedDatabase.create();
    executions = new ExecutionRepository(db.jdbc(), db.transactions());
    callbacks = new CallbackRepository(db.jdbc());
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void javaStatesEqualTheDatabaseConstraint() {
    String definition =
        db.jdbc()
            .sql(
                "select pg_get_constraintdef(oid) from pg_constraint"
                    + " where conname = 'executions_callback_state_check'")
            .query(String.class)
            .single();
    Set<String> inDatabase = new TreeSet<>();
    Matcher quoted = Pattern.compile("'([a-z_]+)'").matcher(definition);
    while (quoted.find()) {
      inDatabase.add(quoted.group(1));
    }

    assertThat(inDatabase)
        .isEqualTo(
            Arrays.stream(Callback.State.values())
                .map(s -> s.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void queuesTheCallbackWhenTheExecutionEndsWhicheverWay() {
    long succeeded = create(URL);
    executions.complete(claim(), new StoredResult("k", 1, 2, List.of(), null, 3), DAY);
    long failed = create(URL);
    executions.fail(claim(), "boom");
    long canceledPending = create(URL);
    executions.cancel(canceledPending, null);
    long canceledRunning = create(URL);
    claim();
    executions.cancel(canceledRunning, null);
    long lost = create(URL);
    // A worker that died on its last attempt: the bookkeeper fails the execution.
    executions.claim("default", "w", 1, Duration.ofMillis(1));
    db.jdbc().sql("select pg_sleep(0.02)").query().listOfRows();
    new MaintenanceRepository(db.jdbc()).requeueDead(10);
    long requeued = create(URL);
    executions.requeue(claim(), Duration.ofHours(1), "try again");
    long running = create(URL);
    claim();
    long withoutCallback = create(null);
    executions.fail(claim(), "boom");

    for (long id : List.of(succeeded, failed, canceledPending, canceledRunning)) {
      Callback callback = executions.get(id).orElseThrow().callback();
      assertThat(callback.state()).as("execution %d", id).isEqualTo(Callback.State.PENDING);
      assertThat(callback.url()).isEqualTo(URL);
      assertThat(callback.attempts()).isZero();
      assertThat(callback.nextAttemptAt()).isNotNull();
    }
    assertThat(executions.get(lost).orElseThrow().status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(executions.get(lost).orElseThrow().callback().state())
        .isEqualTo(Callback.State.PENDING);
    assertThat(executions.get(requeued).orElseThrow().callback().state())
        .isEqualTo(Callback.State.WAITING);
    assertThat(executions.get(running).orElseThrow().callback().state())
        .isEqualTo(Callback.State.WAITING);
    assertThat(executions.get(withoutCallback).orElseThrow().callback()).isNull();
  }

  @Test
  void anEndRolledBackQueuesNothing() {
    long id = create(URL);
    TransactionTemplate transaction =
        new TransactionTemplate(new JdbcTransactionManager(db.dataSource()));

    transaction.executeWithoutResult(
        status -> {
          executions.cancel(id, null);
          status.setRollbackOnly();
        });

    assertThat(executions.get(id).orElseThrow().callback().state())
        .isEqualTo(Callback.State.WAITING);
    assertThat(callbacks.claimDue(10, LEASE)).isEmpty();
  }

  @Test
  void aCreateThatCollapsesAddsNoCallbackAndChangesNone() {
    NewExecution alice = request("SELECT 'shared'", "alice", URL);
    NewExecution bob = request("SELECT 'shared'", "bob", "https://bob.example.com/agp");
    NewExecution plain = request("SELECT 'plain'", "alice", null);
    NewExecution plainWithCallback = request("SELECT 'plain'", "bob", URL);

    long shared = executions.createOrCollapse(alice).execution().id();
    assertThat(executions.createOrCollapse(bob)).isInstanceOf(CreateOutcome.Collapsed.class);
    long none = executions.createOrCollapse(plain).execution().id();
    assertThat(executions.createOrCollapse(plainWithCallback))
        .isInstanceOf(CreateOutcome.Collapsed.class);

    assertThat(executions.get(shared).orElseThrow().callback().url()).isEqualTo(URL);
    assertThat(executions.get(none).orElseThrow().callback()).isNull();
  }

  @Test
  void claimsADueCallbackForOneAttemptAndCountsIt() {
    long id = create(URL);
    executions.fail(claim(), "boom");

    List<Execution> claimed = callbacks.claimDue(10, LEASE);

    assertThat(claimed).extracting(Execution::id).containsExactly(id);
    assertThat(claimed.getFirst().callback().attempts()).isEqualTo(1);
    assertThat(claimed.getFirst().status()).isEqualTo(ExecutionStatus.FAILED);
    // Claimed: not due again before its lease has passed.
    assertThat(callbacks.claimDue(10, LEASE)).isEmpty();
    assertThat(callbacks.markDelivered(claimed.getFirst(), 204)).isTrue();
    Callback delivered = executions.get(id).orElseThrow().callback();
    assertThat(delivered.state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(delivered.lastStatus()).isEqualTo(204);
    assertThat(delivered.deliveredAt()).isNotNull();
    assertThat(delivered.nextAttemptAt()).isNull();
  }

  @Test
  void anAttemptTakenForLostIsClaimedAgainAndOnlyTheLaterOneRecords() {
    long id = create(URL);
    executions.fail(claim(), "boom");
    Execution first = callbacks.claimDue(10, Duration.ofMillis(1)).getFirst();
    db.jdbc().sql("select pg_sleep(0.02)").query().listOfRows();

    Execution second = callbacks.claimDue(10, LEASE).getFirst();

    assertThat(second.id()).isEqualTo(id);
    assertThat(second.callback().attempts()).isEqualTo(2);
    assertThat(callbacks.markDelivered(first, 200)).isFalse();
    assertThat(callbacks.retryOrGiveUp(first, 500, "HTTP 500", Duration.ZERO, DAY)).isEmpty();
    assertThat(callbacks.retryOrGiveUp(second, 503, "HTTP 503", Duration.ofMinutes(5), DAY))
        .contains(Callback.State.PENDING);
    Callback pending = executions.get(id).orElseThrow().callback();
    assertThat(pending.lastStatus()).isEqualTo(503);
    assertThat(pending.lastError()).isEqualTo("HTTP 503");
    assertThat(pending.nextAttemptAt()).isAfter(second.completedAt().plus(Duration.ofMinutes(4)));
  }

  @Test
  void givesUpWhenTheNextTryWouldComePastTheMaxAge() {
    long id = create(URL);
    executions.fail(claim(), "boom");
    Execution claimed = callbacks.claimDue(10, LEASE).getFirst();

    assertThat(
            callbacks.retryOrGiveUp(
                claimed, null, "timed out", Duration.ofHours(2), Duration.ofHours(1)))
        .contains(Callback.State.FAILED);

    Callback failed = executions.get(id).orElseThrow().callback();
    assertThat(failed.state()).isEqualTo(Callback.State.FAILED);
    assertThat(failed.lastStatus()).isNull();
    assertThat(failed.lastError()).isEqualTo("timed out");
    assertThat(failed.nextAttemptAt()).isNull();
    assertThat(callbacks.claimDue(10, Duration.ZERO)).isEmpty();
  }

  @Test
  void aClaimTakesNoMoreThanItsLimitWhateverThePlannerBelieves() {
    // A table the planner has no statistics for yet, as after a burst of ended executions.
    for (int i = 0; i < 60; i++) {
      executions.cancel(create(URL), null);
    }

    assertThat(callbacks.claimDue(7, LEASE)).hasSize(7);
    assertThat(callbacks.claimDue(100, LEASE)).hasSize(53);
  }

  @Test
  void concurrentClaimsTakeEachDueCallbackOnce() throws Exception {
    List<Long> ended = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      long id = create(URL);
      executions.cancel(id, null);
      ended.add(id);
    }
    ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> claimers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int c = 0; c < 4; c++) {
        claimers.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Execution> batch;
                  do {
                    batch = callbacks.claimDue(3, LEASE);
                    batch.forEach(e -> claimed.add(e.id()));
                  } while (!batch.isEmpty());
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> claimer : claimers) {
        claimer.get();
      }
    }

    assertThat(claimed).containsExactlyInAnyOrderElementsOf(ended);
  }

  private long create(String callbackUrl) {
    return executions
        .createOrCollapse(request("SELECT '" + UUID.randomUUID() + "'", "tester", callbackUrl))
        .execution()
        .id();
  }

  /** Claims the oldest PENDING execution of tier default. */
  private AttemptId claim() {
    return executions.claim("default", "w", 1, LEASE).getFirst().attemptId();
  }

  /** A request whose query_id is its hash, shared by every user of the tier. */
  private static NewExecution request(String sql, String user, String callbackUrl) {
    String hash = HASH.of(sql, "JSON", Map.of());
    return NewExecution.builder(hash, sql)
        .format("JSON")
        .createdBy(user)
        .maxAttempts(1)
        .callbackUrl(callbackUrl)
        .build();
  }
}
