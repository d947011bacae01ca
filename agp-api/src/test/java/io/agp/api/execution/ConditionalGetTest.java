package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import io.agp.execution.AttemptId;
import io.agp.execution.Progress;
import io.agp.execution.ProgressSample;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ETags and If-None-Match on the get of an execution and on lists, in JWT mode with two users (and
 * an admin): 304 while the answer is the same, a new tag once it changes, per-caller tags, and
 * nothing of another user's execution learnt through a tag.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConditionalGetTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          // Users of a tier share executions, so that one can join another's.
          "--agp.api.share-scope=tier");
  private final ContractClient client = api.client;
  // Users of their own, so that the lists of one test do not move with another's rows.
  private final String alice = token("alice-" + UUID.randomUUID(), List.of());
  private final String bob = token("bob-" + UUID.randomUUID(), List.of());
  private final String admin = token("root", List.of("admin"));

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub, List<String> roles) {
    return TestTokens.signed(SECRET, sub, roles);
  }

  private Reply get(String token, String path, String ifNoneMatch) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + token);
    if (ifNoneMatch != null) {
      request.header("If-None-Match", ifNoneMatch);
    }
    return client.send("GET", path, request);
  }

  private Reply create(String token, String sql) {
    return client.send(
        "POST",
        "/v1/async/executions",
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(sql)));
  }

  private long create(String token) {
    Reply created = create(token, "SELECT '" + UUID.randomUUID() + "'");
    assertThat(created.status()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  private static String etag(Reply reply) {
    String etag = reply.header("ETag");
    assertThat(etag).as("ETag of a %d", reply.status()).matches("W/\"[0-9a-f]{16}\"");
    return etag;
  }

  @Test
  void theSameTagIsAnswered304WithNoBody() throws Exception {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    Reply first = get(alice, path, null);
    assertThat(first.status()).isEqualTo(200);
    String etag = etag(first);

    Reply again = get(alice, path, etag);
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.header("ETag")).isEqualTo(etag);
    // Compared weakly, and found in a list of tags.
    assertThat(get(alice, path, etag.substring(2)).status()).isEqualTo(304);
    assertThat(get(alice, path, "W/\"0123456789abcdef\", " + etag).status()).isEqualTo(304);
    assertThat(get(alice, path, "W/\"0123456789abcdef\"").status()).isEqualTo(200);

    // An ended execution, the one polled most, likewise.
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    Reply ended = get(alice, path, etag);
    assertThat(ended.status()).isEqualTo(200);
    assertThat(ended.json().get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(get(alice, path, etag(ended)).status()).isEqualTo(304);
  }

  @Test
  void aChangeOfStatusOrProgressGivesANewTag() {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    String pending = etag(get(alice, path, null));

    AttemptId attempt = api.start(id);
    Reply running = get(alice, path, pending);
    assertThat(running.status()).isEqualTo(200);
    assertThat(running.json().get("status").asString()).isEqualTo("RUNNING");
    String started = etag(running);
    assertThat(started).isNotEqualTo(pending);
    assertThat(get(alice, path, started).status()).isEqualTo(304);

    api.repository()
        .recordProgress(
            List.of(new ProgressSample(attempt, new Progress(50, 500, 200, 1000, 4096, 4096))));
    Reply progressed = get(alice, path, started);
    assertThat(progressed.status()).isEqualTo(200);
    assertThat(progressed.json().get("progress").get("rows").asLong()).isEqualTo(50);
    assertThat(etag(progressed)).isNotEqualTo(started).isNotEqualTo(pending);
    assertThat(get(alice, path, etag(progressed)).status()).isEqualTo(304);
  }

  @Test
  void anotherUsersExecutionIs404WhateverTheTag() {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    String etag = etag(get(alice, path, null));

    for (String tag : new String[] {etag, "*", etag.substring(2), null}) {
      Reply reply = get(bob, path, tag);
      assertThat(reply.status()).as("bob with %s", tag).isEqualTo(404);
      assertThat(reply.header("ETag")).isNull();
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    }
    // The same for an id that does not exist: nothing tells the two apart.
    Reply missing = get(bob, "/v1/async/executions/987654321", "*");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("detail").asString())
        .isEqualTo(
            get(bob, path, etag).json().get("detail").asString().replace("" + id, "987654321"));
    // A forged token is refused before anything else.
    HttpRequest.Builder forged =
        HttpRequest.newBuilder()
            .GET()
            .header("Authorization", "Bearer " + alice + "x")
            .header("If-None-Match", etag);
    assertThat(client.send("GET", path, forged).status()).isEqualTo(401);
    assertThat(client.send("GET", path, HttpRequest.newBuilder().GET()).status()).isEqualTo(401);
  }

  @Test
  void eachCallerHasTheTagOfWhatTheyAreShown() {
    String sql = "SELECT 'shared " + UUID.randomUUID() + "'";
    long id = create(alice, sql).json().get("id").asLong();
    // Bob's create collapses onto Alice's execution: he joins it and may read it.
    Reply joined = create(bob, sql);
    assertThat(joined.json().get("id").asLong()).isEqualTo(id);
    String path = "/v1/async/executions/" + id;

    Reply ofAlice = get(alice, path, null);
    Reply ofBob = get(bob, path, null);
    Reply ofAdmin = get(admin, path, null);
    assertThat(ofAlice.json().has("created_by")).isTrue();
    assertThat(ofBob.json().has("created_by")).isFalse();
    assertThat(ofAdmin.json().get("readers").toString()).contains("bob-");
    assertThat(List.of(etag(ofAlice), etag(ofBob), etag(ofAdmin))).doesNotHaveDuplicates();

    // Another caller's tag is not theirs: the whole answer, never a 304 for a view they lack.
    assertThat(get(bob, path, etag(ofAlice)).status()).isEqualTo(200);
    assertThat(get(alice, path, etag(ofAdmin)).status()).isEqualTo(200);
    assertThat(get(bob, path, etag(ofBob)).status()).isEqualTo(304);
    assertThat(get(admin, path, etag(ofAdmin)).status()).isEqualTo(304);
  }

  @Test
  void theListTagChangesWhenARowOfItChangesOrComes() {
    String user = token("carol-" + UUID.randomUUID(), List.of());
    long id = create(user);
    String list = "/v1/async/executions?limit=10";
    Reply first = get(user, list, null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().get("executions")).hasSize(1);
    String etag = etag(first);
    Reply same = get(user, list, etag);
    assertThat(same.status()).isEqualTo(304);
    assertThat(same.body()).isEmpty();

    api.start(id);
    Reply changed = get(user, list, etag);
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.json().get("executions").get(0).get("status").asString())
        .isEqualTo("RUNNING");
    String afterChange = etag(changed);
    assertThat(afterChange).isNotEqualTo(etag);

    create(user);
    Reply grown = get(user, list, afterChange);
    assertThat(grown.status()).isEqualTo(200);
    assertThat(grown.json().get("executions")).hasSize(2);
    assertThat(etag(grown)).isNotEqualTo(afterChange);

    // Another user's list is theirs: the tag of this one does not make it a 304.
    assertThat(get(bob, list, etag(grown)).status()).isEqualTo(200);
  }

  @Test
  void aWaitThatEndsWithNoChangeIs304() {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    String etag = etag(get(alice, path, null));
    long start = System.nanoTime();

    Reply reply = get(alice, path + "?wait=1", etag);

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(reply.status()).isEqualTo(304);
    assertThat(reply.body()).isEmpty();
    assertThat(reply.header("ETag")).isEqualTo(etag);
  }

  @Test
  void aWaitWithATagAnswersTheChangeAsSoonAsItComes() throws Exception {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    String etag = etag(get(alice, path, null));
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    int before = changes.watching();
    CompletableFuture<Reply> waiting =
        CompletableFuture.supplyAsync(() -> get(alice, path + "?wait=60", etag));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> changes.watching() > before);

    api.start(id);

    Reply reply = waiting.get(10, TimeUnit.SECONDS);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
    assertThat(etag(reply)).isNotEqualTo(etag);
  }

  @Test
  void aWaitWithAnOutdatedTagAnswersAtOnce() {
    long id = create(alice);
    String path = "/v1/async/executions/" + id;
    String pending = etag(get(alice, path, null));
    api.start(id);
    long start = System.nanoTime();

    // The client missed a change between its polls: it gets it without waiting for the next.
    Reply reply = get(alice, path + "?wait=30", pending);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("status").asString()).isEqualTo("RUNNING");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
