package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.execution.AttemptId;
import io.agp.execution.Channels;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.Notifier;
import io.agp.execution.Progress;
import io.agp.execution.ProgressSample;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WaitTest {

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  private long create() {
    return client
        .postSql("/v1/async/executions", "SELECT '" + UUID.randomUUID() + "'")
        .json()
        .get("id")
        .asLong();
  }

  /** A get with a wait of a minute, once it is waiting in the API. */
  private CompletableFuture<Reply> waitFor(long id) {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    int before = changes.watching();
    CompletableFuture<Reply> waiting =
        CompletableFuture.supplyAsync(() -> client.get("/v1/async/executions/" + id + "?wait=60"));
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.watching() > before);
    return waiting;
  }

  @Test
  void getWithWaitAnswersAsSoonAsTheStatusChanges() throws Exception {
    long id = create();
    CompletableFuture<Reply> waiting = waitFor(id);

    api.start(id);

    // The safety poll runs once an hour here: only the notification can answer within seconds.
    Reply reply = waiting.get(10, TimeUnit.SECONDS);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
  }

  @Test
  void getWithWaitAnswersWhenTheProgressChanges() throws Exception {
    long id = create();
    AttemptId attemptId = api.start(id);
    CompletableFuture<Reply> waiting = waitFor(id);

    api.repository()
        .recordProgress(
            List.of(new ProgressSample(attemptId, new Progress(50, 500, 200, 1000, 4096, 4096))));

    Reply reply = waiting.get(10, TimeUnit.SECONDS);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
    assertThat(reply.json().get("progress").get("rows").asLong()).isEqualTo(50);
    assertThat(reply.json().get("progress").get("percent").asDouble()).isEqualTo(25.0);
  }

  @Test
  void getWithWaitReturnsTheUnchangedStateAtTheTimeout() {
    long id = create();
    long start = System.nanoTime();

    Reply reply = client.get("/v1/async/executions/" + id + "?wait=1");

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(reply.json().get("status").asString()).isEqualTo("PENDING");
  }

  @Test
  void createWithWaitReturnsTheEndedExecutionInOneRoundTrip() throws Exception {
    String sql = "SELECT '" + UUID.randomUUID() + "'";
    CompletableFuture<Reply> waiting =
        CompletableFuture.supplyAsync(() -> client.postSql("/v1/async/executions?wait=10", sql));
    long id = api.awaitIdOf(sql);

    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);

    Reply reply = waiting.get();
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(reply.json().get("result").get("bytes").asLong()).isEqualTo(2);
  }

  @Test
  void aWaitOnAnEndedExecutionAnswersAtOnce() throws Exception {
    long id = create();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    long start = System.nanoTime();

    Reply reply = client.get("/v1/async/executions/" + id + "?wait=30");

    assertThat(reply.json().get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  /**
   * A change an app of this process committed with the row (a worker beside the API, as in the
   * local mode) answers the waiter with that row, with no read: the database's row is still
   * PENDING, the row handed along RUNNING.
   */
  @Test
  void aRowHandedAlongInTheProcessAnswersTheWaiterWithoutARead() throws Exception {
    long id = create();
    Execution pending = api.repository().get(id).orElseThrow();
    CompletableFuture<Reply> waiting = waitFor(id);

    new Notifier(api.jdbc())
        .changed(
            id,
            ExecutionStatus.RUNNING,
            with(pending, Map.of("status", ExecutionStatus.RUNNING, "name", "handed along")));

    Reply reply = waiting.get(10, TimeUnit.SECONDS);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
    assertThat(reply.json().get("name").asString()).isEqualTo("handed along");
    assertThat(api.repository().get(id).orElseThrow().status()).isEqualTo(ExecutionStatus.PENDING);
  }

  /**
   * A change committed and notified after the create read its execution, but before its wait
   * started watching it, was announced to nobody: the wait reads the execution again and answers at
   * once. Without that read, it would wait for the safety poll (an hour here).
   */
  @Test
  void aChangeNotifiedBeforeTheCreatesWaitStartsIsReadAgain() throws Exception {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    long id = create();
    Execution read = api.repository().get(id).orElseThrow();
    ExecutionChanges.Mark mark = changes.mark();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.notifiedSince(mark, id));
    long start = System.nanoTime();

    Execution answer =
        api.context
            .getBean(ExecutionWaiter.class)
            .untilEnded(read, mark, "waiter", Duration.ofSeconds(20));

    assertThat(answer.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * The read a create's wait makes once it watches is made only when a change of its execution may
   * have been notified since the create read it: here the mark is taken after the notification of
   * the change, so nothing is read and the wait ends with the state it was given.
   */
  @Test
  void theCreatesWaitReadsNothingWhenNoChangeWasNotifiedSinceItsRead() throws Exception {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    long id = create();
    Execution read = api.repository().get(id).orElseThrow();
    ExecutionChanges.Mark before = changes.mark();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.notifiedSince(before, id));
    ExecutionChanges.Mark after = changes.mark();

    Execution answer =
        api.context
            .getBean(ExecutionWaiter.class)
            .untilEnded(read, after, "waiter", Duration.ofSeconds(1));

    assertThat(answer.status()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(changes.notifiedSince(after, id)).isFalse();
  }

  /** Beyond the notifications remembered, any execution may have changed: it is read again. */
  @Test
  void moreChangesThanRememberedMayHideAnyExecutions() {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    long id = create();
    ExecutionChanges.Mark mark = changes.mark();

    for (int i = 0; i < 10; i++) {
      changes.notified(Channels.CHANGED, (id + 1_000_000) + ":RUNNING");
    }
    assertThat(changes.notifiedSince(mark, id)).isFalse();
    for (int i = 0; i < 2000; i++) {
      changes.notified(Channels.CHANGED, (id + 1_000_000) + ":RUNNING");
    }
    assertThat(changes.notifiedSince(mark, id)).isTrue();
  }

  /**
   * A watcher that waits for the end (a create's wait) makes no read for a change to RUNNING; one
   * that wants every change (a get's wait, an event stream) gets it; both get the end.
   */
  @Test
  void aChangeToRunningIsReadOnlyForTheWatchersThatWantIt() throws Exception {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    long id = create();
    List<ExecutionStatus> toTheEnd = new CopyOnWriteArrayList<>();
    List<ExecutionStatus> every = new CopyOnWriteArrayList<>();
    ExecutionChanges.Watcher ending =
        new ExecutionChanges.Watcher() {
          @Override
          public boolean changed(Execution now) {
            toTheEnd.add(now.status());
            return false;
          }

          @Override
          public boolean wants(ExecutionStatus status) {
            return status.isTerminal();
          }
        };
    // Watched, as a wait marks it: only then does its end announce itself.
    api.repository().watch(id, null);
    try (ExecutionChanges.Registration one = changes.watch(id, ending)) {
      AttemptId attempt = api.start(id);
      changes.notified(Channels.CHANGED, id + ":RUNNING");
      Thread.sleep(500);
      assertThat(toTheEnd).isEmpty();

      try (ExecutionChanges.Registration other =
          changes.watch(id, now -> every.add(now.status()) && false)) {
        changes.notified(Channels.CHANGED, id + ":RUNNING");
        await().atMost(Duration.ofSeconds(10)).until(() -> !every.isEmpty());
        assertThat(every).containsOnly(ExecutionStatus.RUNNING);

        api.succeed(attempt, "{}".getBytes(StandardCharsets.UTF_8), null);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> toTheEnd.contains(ExecutionStatus.SUCCEEDED));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> every.contains(ExecutionStatus.SUCCEEDED));
      }
    }
  }

  /**
   * A row handed along reaches the watchers of its execution on the handing thread when all of them
   * return at once (waits), and on a thread of its own otherwise (an event stream writes to its
   * client).
   */
  @Test
  void aHandedRowReachesQuickWatchersOnTheHandingThread() throws Exception {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    long quickId = create();
    long slowId = create();
    CompletableFuture<Thread> quickThread = new CompletableFuture<>();
    CompletableFuture<Thread> slowThread = new CompletableFuture<>();
    ExecutionChanges.Watcher quick =
        new ExecutionChanges.Watcher() {
          @Override
          public boolean changed(Execution now) {
            return quickThread.complete(Thread.currentThread());
          }

          @Override
          public boolean quick() {
            return true;
          }
        };
    ExecutionChanges.Watcher slow = now -> slowThread.complete(Thread.currentThread());
    try (ExecutionChanges.Registration one = changes.watch(quickId, quick);
        ExecutionChanges.Registration other = changes.watch(slowId, slow)) {
      for (long id : new long[] {quickId, slowId}) {
        changes.notified(Channels.CHANGED, id + ":PENDING", api.repository().get(id).orElseThrow());
      }

      assertThat(quickThread).isCompletedWithValue(Thread.currentThread());
      assertThat(slowThread.get(10, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
    }
  }

  /** A copy of the execution with some of its fields changed. */
  private static Execution with(Execution execution, Map<String, Object> changed) throws Exception {
    RecordComponent[] components = Execution.class.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      String field = components[i].getName();
      values[i] =
          changed.containsKey(field)
              ? changed.get(field)
              : components[i].getAccessor().invoke(execution);
    }
    return Execution.class.getDeclaredConstructor(types).newInstance(values);
  }
}
