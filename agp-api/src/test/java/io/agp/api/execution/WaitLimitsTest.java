package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The edges of waiting: a change whose notification was lost is still found by the safety poll, and
 * an instance holds only so many waiting requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WaitLimitsTest {

  private final TestApi api =
      TestApi.start("--agp.api.wait-safety-poll=300ms", "--agp.api.max-watchers=2");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private long create() {
    return client
        .postSql("/v1/async/executions", "SELECT '" + UUID.randomUUID() + "'")
        .json()
        .get("id")
        .asLong();
  }

  private CompletableFuture<Reply> waitFor(long id, int seconds) {
    return CompletableFuture.supplyAsync(
        () -> client.get("/v1/async/executions/" + id + "?wait=" + seconds));
  }

  @Test
  void aChangeWithoutANotificationIsFoundByTheSafetyPoll() throws Exception {
    long id = create();
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.watching() == 0);
    CompletableFuture<Reply> waiting = waitFor(id, 30);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.watching() > 0);

    // A change nobody announces, as after a lost notification.
    api.jdbc()
        .sql(
            "update executions set status = 'RUNNING', attempt = 1, worker_id = 'quiet',"
                + " picked_at = now(), lease_expires_at = now() + interval '1 minute'"
                + " where id = :id")
        .param("id", id)
        .update();

    Reply reply = waiting.get(10, TimeUnit.SECONDS);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
  }

  @Test
  void waitsBeyondTheInstancesLimitAre429() throws Exception {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.watching() == 0);
    CompletableFuture<Reply> first = waitFor(create(), 3);
    CompletableFuture<Reply> second = waitFor(create(), 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.watching() == 2);

    Reply refused = client.get("/v1/async/executions/" + create() + "?wait=3");

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).isEqualTo("1");
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    // Without wait, nothing is held: the same request answers. A create that cannot wait was
    // made all the same, and answers at once.
    assertThat(client.get("/v1/async/executions/" + create()).status()).isEqualTo(200);
    Reply created = client.postSql("/v1/async/executions?wait=3", "SELECT 'no room to wait'");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("status").asString()).isEqualTo("PENDING");
    assertThat(first.get().status()).isEqualTo(200);
    assertThat(second.get().status()).isEqualTo(200);
  }
}
