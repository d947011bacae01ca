package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import io.agp.execution.AttemptId;
import io.agp.execution.QueryStats;
import io.agp.execution.ResultMetadata;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The copies of settled executions an API instance answers gets from, in JWT mode with several
 * users: a copy costs no statement and gives the same bytes and tag as a read; it is never served
 * near or past its execution's expiry, so that polls racing the bookkeeper's expiry never see a
 * SUCCEEDED that has ended; another user is never shown one until the database lets them see the
 * execution; and an execution whose row can still change (a callback to send, figures to come from
 * the query log) is never copied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SettledExecutionsTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";
  private static final byte[] RESULT = "{}".getBytes(StandardCharsets.UTF_8);
  private static final List<ResultMetadata.Column> COLUMNS =
      List.of(new ResultMetadata.Column("n", "UInt8"));

  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.rate-limit.requests-per-second=0",
          // Users of a tier share executions, so that one can join another's.
          "--agp.api.share-scope=tier",
          "--agp.api.settled-cache.expiry-margin=2s");
  private final ContractClient client = api.client;
  private final String alice = token("alice-" + UUID.randomUUID(), List.of());
  private final String bob = token("bob-" + UUID.randomUUID(), List.of());
  private final String carol = token("carol-" + UUID.randomUUID(), List.of());
  private final String admin = token("root", List.of("admin"));

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub, List<String> roles) {
    return TestTokens.signed(SECRET, sub, roles);
  }

  private Reply get(String token, long id) {
    return client.send(
        "GET",
        "/v1/async/executions/" + id,
        HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + token));
  }

  private Reply create(String token, String sql, String query) {
    return client.send(
        "POST",
        "/v1/async/executions" + query,
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(sql)));
  }

  private long created(String token, String sql) {
    Reply created = create(token, sql, "?name=settled");
    assertThat(created.status()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  private void succeed(long id, Duration ttl, QueryStats stats, boolean awaitQueryLog)
      throws Exception {
    AttemptId attempt = api.start(id);
    api.succeed(attempt, RESULT, null, 2, COLUMNS, ttl, stats, awaitQueryLog);
  }

  /** Connections taken from the pool so far: each statement of a get takes one. */
  private long connectionsTaken() {
    return api.context
        .getBean(MeterRegistry.class)
        .get("hikaricp.connections.usage")
        .timer()
        .count();
  }

  @Test
  void aCopyAnswersWithNoStatementAndTheSameBytesAndTag() throws Exception {
    long id = created(alice, "SELECT 'kept " + UUID.randomUUID() + "'");
    succeed(id, Duration.ofHours(1), null, false);

    Reply read = get(alice, id); // read from the database, and copied
    long before = connectionsTaken();
    List<Reply> fromCopy = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      fromCopy.add(get(alice, id));
    }
    long taken = connectionsTaken() - before;

    // A background job of the API may take a connection meanwhile; a read per get would be 100.
    assertThat(taken).isLessThan(10);
    for (Reply reply : fromCopy) {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.body()).isEqualTo(read.body());
      assertThat(reply.header("ETag")).isEqualTo(read.header("ETag"));
    }
    assertThat(read.json().get("status").asString()).isEqualTo("SUCCEEDED");
    // 304 from the copy too.
    Reply notModified =
        client.send(
            "GET",
            "/v1/async/executions/" + id,
            HttpRequest.newBuilder()
                .GET()
                .header("Authorization", "Bearer " + alice)
                .header("If-None-Match", read.header("ETag")));
    assertThat(notModified.status()).isEqualTo(304);
  }

  /**
   * Pollers hammer an execution while it reaches its expiry and the bookkeeper's statement marks it
   * EXPIRED: no poll that started after that commit may answer SUCCEEDED. Without the expiry margin
   * the copy would answer SUCCEEDED for ever.
   */
  @Test
  void pollsRacingTheExpiryNeverSeeAStaleStatus() throws Exception {
    long id = created(alice, "SELECT 'expiring " + UUID.randomUUID() + "'");
    succeed(id, Duration.ofSeconds(4), null, false);

    record Poll(long startedNanos, String status) {}
    Queue<Poll> polls = new ConcurrentLinkedQueue<>();
    AtomicBoolean polling = new AtomicBoolean(true);
    List<Future<?>> pollers = new ArrayList<>();
    long committed;
    try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
      for (String token : List.of(alice, admin, alice, admin)) {
        pollers.add(
            threads.submit(
                () -> {
                  while (polling.get()) {
                    long started = System.nanoTime();
                    Reply reply = get(token, id);
                    assertThat(reply.status()).isEqualTo(200);
                    polls.add(new Poll(started, reply.json().get("status").asString()));
                  }
                }));
      }
      // The bookkeeper's expiry (expire_results.sql), as soon as the database's clock allows it.
      int expired = 0;
      while (expired == 0) {
        Thread.sleep(20);
        expired =
            api.jdbc()
                .sql(
                    "update executions set status = 'EXPIRED', updated_at = now()"
                        + " where id = :id and status = 'SUCCEEDED' and expires_at < now()")
                .param("id", id)
                .update();
      }
      committed = System.nanoTime();
      Thread.sleep(500);
      polling.set(false);
      for (Future<?> poller : pollers) {
        poller.get();
      }
    }

    List<Poll> all = new ArrayList<>(polls);
    assertThat(all).filteredOn(p -> p.status().equals("SUCCEEDED")).hasSizeGreaterThan(10);
    List<Poll> after = all.stream().filter(p -> p.startedNanos() > committed).toList();
    assertThat(after).hasSizeGreaterThan(10);
    assertThat(after).allSatisfy(p -> assertThat(p.status()).isEqualTo("EXPIRED"));
  }

  @Test
  void anotherUserIsShownACopyOnlyOnceTheDatabaseLetsThemSeeTheExecution() throws Exception {
    String sql = "SELECT 'shared " + UUID.randomUUID() + "'";
    long id = created(alice, sql);
    succeed(id, Duration.ofHours(1), null, false);
    assertThat(get(alice, id).status()).isEqualTo(200); // copied

    // Bob and Carol poll it, many at once, while Alice does: 404 every time.
    List<Future<List<Integer>>> answers = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(6)) {
      for (String token : List.of(alice, bob, carol, alice, bob, carol)) {
        answers.add(
            threads.submit(
                () -> {
                  List<Integer> statuses = new ArrayList<>();
                  for (int i = 0; i < 50; i++) {
                    statuses.add(get(token, id).status());
                  }
                  return statuses;
                }));
      }
      for (int i = 0; i < answers.size(); i++) {
        assertThat(answers.get(i).get()).containsOnly(i % 3 == 0 ? 200 : 404);
      }
    }

    // Bob takes Alice's fresh result (reuse): the database now lets him read it.
    Reply reused = create(bob, sql, "?max_age=3600");
    assertThat(reused.json().get("id").asLong()).isEqualTo(id);
    assertThat(reused.json().get("reused").asBoolean()).isTrue();
    for (int i = 0; i < 20; i++) {
      Reply ofBob = get(bob, id);
      assertThat(ofBob.status()).isEqualTo(200);
      // As a reader: not Alice's name, nor the name she gave it.
      assertThat(ofBob.json().has("created_by")).isFalse();
      assertThat(ofBob.text()).doesNotContain("alice-");
    }
    assertThat(get(alice, id).json().get("created_by").asString()).startsWith("alice-");
    // Carol never joined; the admin sees Bob among the readers (read afresh, never copied).
    assertThat(get(carol, id).status()).isEqualTo(404);
    assertThat(get(admin, id).json().get("readers").toString()).contains("bob-");
  }

  /**
   * A client that creates with a wait downloads the result next: the execution its wait answered is
   * copied then, so that neither the download nor the polls after it read the database, and a user
   * who never joined it still finds nothing.
   */
  @Test
  void theExecutionACreateWaitedForIsCopiedForTheDownloadThatFollows() throws Exception {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String sql = "SELECT 'waited " + UUID.randomUUID() + "'";
      CompletableFuture<Reply> waiting =
          CompletableFuture.supplyAsync(() -> create(alice, sql, "?wait=10"));
      long id = api.awaitIdOf(sql);
      succeed(id, Duration.ofHours(1), null, false);
      Reply answer = waiting.get();
      assertThat(answer.status()).isEqualTo(201);
      assertThat(answer.json().get("status").asString()).isEqualTo("SUCCEEDED");
      ids.add(id);
    }

    long before = connectionsTaken();
    for (long id : ids) {
      assertThat(get(alice, id).status()).isEqualTo(200);
    }
    // A read per get would be 10; a background job of the API may take one meanwhile. (A download
    // is found the same way, but records its usage with a statement of its own.)
    assertThat(connectionsTaken() - before).isLessThan(5);
    for (long id : ids) {
      Reply download = download(alice, id);
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(RESULT);
    }
    for (long id : ids) {
      assertThat(download(bob, id).status()).isEqualTo(404);
      assertThat(get(bob, id).status()).isEqualTo(404);
    }
  }

  private Reply download(String token, long id) {
    return client.send(
        "GET",
        "/v1/async/executions/" + id + "/result",
        HttpRequest.newBuilder().GET().header("Authorization", "Bearer " + token));
  }

  @Test
  void anExecutionWhoseRowCanStillChangeIsNotCopied() throws Exception {
    // Figures still to come from the query log: the bookkeeper writes them later.
    long awaiting = created(alice, "SELECT 'figures " + UUID.randomUUID() + "'");
    succeed(
        awaiting,
        Duration.ofHours(1),
        new QueryStats(1, 10, null, null, QueryStats.Source.PROGRESS),
        true);
    assertThat(get(alice, awaiting).json().get("query_stats").get("source").asString())
        .isEqualTo("progress");
    api.jdbc()
        .sql(
            "update executions set stats_read_rows = 7, stats_source = 'query_log',"
                + " stats_await_query_log = false where id = :id and stats_await_query_log")
        .param("id", awaiting)
        .update();
    Reply completed = get(alice, awaiting);
    assertThat(completed.json().get("query_stats").get("source").asString()).isEqualTo("query_log");
    assertThat(completed.json().get("query_stats").get("read_rows").asLong()).isEqualTo(7);

    // A callback still to be sent: the bookkeeper records its delivery later.
    long calling = created(alice, "SELECT 'callback " + UUID.randomUUID() + "'");
    api.jdbc()
        .sql(
            "update executions set callback_url = 'https://hooks.example.com/a',"
                + " callback_state = 'waiting' where id = :id")
        .param("id", calling)
        .update();
    succeed(calling, Duration.ofHours(1), null, false);
    assertThat(get(alice, calling).json().get("callback").get("state").asString())
        .isEqualTo("pending");
    api.jdbc()
        .sql(
            "update executions set callback_state = 'delivered', callback_delivered_at = now(),"
                + " callback_last_status = 204 where id = :id and callback_state = 'pending'")
        .param("id", calling)
        .update();
    assertThat(get(alice, calling).json().get("callback").get("state").asString())
        .isEqualTo("delivered");
  }
}
