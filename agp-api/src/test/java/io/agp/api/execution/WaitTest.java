package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.execution.AttemptId;
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
