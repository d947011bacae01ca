package io.agp.api.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/** GET /v1/async/queues on a database of its own, so that the counts are this test's only. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueuesTest {

  private final TestApi api = TestApi.start();
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private long create(String tier, String user) {
    Reply reply =
        client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"SELECT '%s'\", \"tier\": \"%s\"}".formatted(UUID.randomUUID(), tier),
            user);
    assertThat(reply.status()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  @Test
  void tellsEachTiersInFlightCountsOldestWaitEndsPerMinuteAndWhoRunsWhat() throws Exception {
    long waiting = create("default", "ann");
    create("default", "ann");
    long running = create("default", "bob");
    long succeeded = create("gold", "cy");
    long failed = create("gold", "cy");
    long canceled = create("gold", "cy");
    api.start(running);
    api.succeed(succeeded, "1\n".getBytes(StandardCharsets.UTF_8), null);
    api.start(failed);
    api.jdbc()
        .sql("update executions set status = 'FAILED', completed_at = now() where id = :id")
        .param("id", failed)
        .update();
    assertThat(client.post("/v1/async/executions/" + canceled + "/cancel").status()).isEqualTo(200);
    api.jdbc()
        .sql("update executions set created_at = now() - interval '90 seconds' where id = :id")
        .param("id", waiting)
        .update();

    Reply reply = client.get("/v1/async/queues");

    assertThat(reply.status()).isEqualTo(200);
    JsonNode queues = reply.json();
    JsonNode byDefault = tier(queues, "default");
    assertThat(byDefault.get("pending").asLong()).isEqualTo(2);
    assertThat(byDefault.get("running").asLong()).isEqualTo(1);
    assertThat(byDefault.get("oldest_pending_ms").asLong()).isBetween(90_000L, 150_000L);
    assertThat(byDefault.get("ended_per_minute")).isEmpty();
    JsonNode gold = tier(queues, "gold");
    assertThat(gold.get("pending").asLong()).isZero();
    assertThat(gold.get("oldest_pending_ms").isNull()).isTrue();
    long succeededCount = 0;
    long failedCount = 0;
    long canceledCount = 0;
    for (JsonNode minute : gold.get("ended_per_minute")) {
      succeededCount += minute.get("succeeded").asLong();
      failedCount += minute.get("failed").asLong();
      canceledCount += minute.get("canceled").asLong();
    }
    assertThat(new long[] {succeededCount, failedCount, canceledCount}).containsExactly(1, 1, 1);
    assertThat(queues.get("running")).hasSize(1);
    JsonNode run = queues.get("running").get(0);
    assertThat(run.get("id").asLong()).isEqualTo(running);
    assertThat(run.get("created_by").asString()).isEqualTo("bob");
    assertThat(run.get("tier").asString()).isEqualTo("default");
    assertThat(queues.get("running_truncated").asBoolean()).isFalse();
  }

  private static JsonNode tier(JsonNode queues, String name) {
    for (JsonNode tier : queues.get("tiers")) {
      if (tier.get("tier").asString().equals(name)) {
        return tier;
      }
    }
    throw new AssertionError("no tier " + name + " in " + queues);
  }
}
