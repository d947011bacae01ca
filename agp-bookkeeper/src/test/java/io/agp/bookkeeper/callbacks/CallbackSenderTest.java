package io.agp.bookkeeper.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agp.bookkeeper.callbacks.Receiver.Answer;
import io.agp.callback.CallbackGuard;
import io.agp.callback.CallbackProperties;
import io.agp.execution.AttemptId;
import io.agp.execution.Callback;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultMetadata;
import io.agp.execution.StoredResult;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestCertificate;
import io.agp.view.ExecutionJson;
import io.agp.view.ExecutionView;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The callback sender against receivers it really calls: on 127.0.0.1 (allow-listed unless a test
 * says otherwise), one that fails its first requests, one that hangs, one that redirects, one over
 * TLS, and two senders on one outbox.
 */
class CallbackSenderTest {

  private static final String SECRET = "a-callback-secret-of-at-least-32-bytes";
  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(StandardCharsets.UTF_8));
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private HikariDataSource dataSource;
  private JdbcClient jdbc;
  private ExecutionRepository executions;
  private CallbackRepository callbacks;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void migrate() {
    PostgresTestServer postgres = PostgresTestServer.shared();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.newDatabase());
    config.setUsername(postgres.user());
    config.setMaximumPoolSize(8);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    jdbc = JdbcClient.create(dataSource);
    executions = new ExecutionRepository(jdbc);
    callbacks = new CallbackRepository(jdbc);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
    dataSource.close();
  }

  @Test
  void deliversTheFinalExecutionSignedOnceTheReceiverRecovers() throws Exception {
    Receiver receiver = receiver(n -> Answer.status(n <= 2 ? 503 : 204));
    long id = ended(receiver.url("/agp/hook?token=t0k3n"));
    CallbackSender sender = sender(properties(b -> b), allowLoopback());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));
    Callback failing = callback(id);
    assertThat(failing.state()).isEqualTo(Callback.State.PENDING);
    assertThat(failing.lastStatus()).isEqualTo(503);
    assertThat(failing.lastError()).isEqualTo("HTTP 503");
    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));
    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 1, 0, 0));
    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(0, 0, 0, 0));

    Callback delivered = callback(id);
    assertThat(delivered.state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(delivered.attempts()).isEqualTo(3);
    assertThat(delivered.lastStatus()).isEqualTo(204);
    assertThat(delivered.lastError()).isNull();
    assertThat(delivered.deliveredAt()).isNotNull();
    assertThat(receiver.requests()).hasSize(3);
    Receiver.Request last = receiver.requests().getLast();
    assertThat(last.header("Content-Type")).isEqualTo("application/json");
    assertThat(last.header("X-AGP-Execution-Id")).isEqualTo(Long.toString(id));
    assertThat(last.header("X-AGP-Delivery")).isEqualTo(id + "-3");
    assertThat(last.header("Host")).isEqualTo("127.0.0.1:" + receiver.port());
    assertThat(receiver.requests())
        .extracting(r -> r.header("X-AGP-Delivery"))
        .containsExactly(id + "-1", id + "-2", id + "-3");
    assertSigned(last);
    JsonNode body = JSON.readTree(last.body());
    assertThat(body.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(body.get("result").get("rows").asLong()).isEqualTo(3);
    assertThat(body.get("created_by").asString()).isEqualTo("alice");
    assertThat(body.get("labels").get("team").asString()).isEqualTo("ads");
    assertThat(body.get("callback").get("attempts").asInt()).isEqualTo(3);
    assertThat(body.get("callback").get("state").asString()).isEqualTo("pending");
    // The execution as its creator's get shows it, the callback's progress aside.
    JsonNode asShown =
        JSON.readTree(
            ExecutionJson.bytes(
                ExecutionView.of(executions.get(id).orElseThrow(), ExecutionView.Viewer.CREATOR)));
    ((ObjectNode) body).remove("callback");
    ((ObjectNode) asShown).remove("callback");
    assertThat(body).isEqualTo(asShown);
  }

  @Test
  void aHangingReceiverTimesOutWithoutHoldingUpTheOthersAndIsTriedAgain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    closing.add(release::countDown);
    Receiver hanging = receiver(n -> n == 1 ? new Answer.Hang(release) : Answer.status(200));
    Receiver quick = receiver(n -> Answer.status(200));
    long slow = ended(hanging.url("/hook"));
    long fast = ended(quick.url("/hook"));
    CallbackSender sender =
        sender(properties(b -> b.readTimeout(Duration.ofMillis(800))), allowLoopback());

    TimedRound round = TimedRound.of(sender);

    assertThat(round.report()).isEqualTo(new CallbackSender.Report(2, 1, 1, 0));
    assertThat(round.took()).isLessThan(Duration.ofSeconds(5));
    assertThat(callback(fast).state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(callback(slow).state()).isEqualTo(Callback.State.PENDING);
    assertCutAtTheReadTimeout(slow);
    release.countDown();
    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 1, 0, 0));
    assertThat(callback(slow).attempts()).isEqualTo(2);
    assertThat(hanging.requests()).hasSize(2);
  }

  @Test
  void aRedirectIsNotFollowedAndFailsTheAttempt() throws Exception {
    Receiver elsewhere = receiver(n -> Answer.status(200));
    Receiver redirecting = receiver(n -> Answer.redirect(elsewhere.url("/elsewhere")));
    long id = ended(redirecting.url("/hook"));
    CallbackSender sender = sender(properties(b -> b), allowLoopback());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));

    Callback redirected = callback(id);
    assertThat(redirected.state()).isEqualTo(Callback.State.PENDING);
    assertThat(redirected.lastStatus()).isEqualTo(302);
    assertThat(redirected.lastError()).isEqualTo("HTTP 302: redirects are not followed");
    assertThat(redirecting.requests()).hasSize(1);
    assertThat(elsewhere.requests()).isEmpty();
  }

  @Test
  void refusesAtSendWhatTheGuardNoLongerAllows() throws Exception {
    Receiver receiver = receiver(n -> Answer.status(200));
    long loopback = ended(receiver.url("/hook"));
    long renamed = ended("https://hooks.example.com:" + receiver.port() + "/hook");
    // Since the create: 127.0.0.1 left the allow-list, and the name now resolves to loopback.
    CallbackGuard guard =
        new CallbackGuard(
            List.of(),
            host -> {
              if (!host.equals("hooks.example.com")) {
                throw new UnknownHostException(host);
              }
              return new InetAddress[] {InetAddress.getLoopbackAddress()};
            });
    CallbackSender sender = sender(properties(b -> b.allowedHosts(List.of())), guard);

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(2, 0, 2, 0));

    assertThat(receiver.requests()).isEmpty();
    assertThat(callback(loopback).lastError()).startsWith("refused: ").contains("https");
    assertThat(callback(renamed).lastError()).startsWith("refused: ").contains("loopback");
    assertThat(callback(renamed).lastStatus()).isNull();
  }

  @Test
  void givesUpOnceTheNextTryWouldComePastTheMaxAgeAfterOneAttemptAtLeast() throws Exception {
    Receiver failing = receiver(n -> Answer.status(500));
    long id = ended(failing.url("/hook"));
    CallbackSender sender = sender(properties(b -> b.maxAge(Duration.ZERO)), allowLoopback());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 0, 1));
    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(0, 0, 0, 0));

    Callback failed = callback(id);
    assertThat(failed.state()).isEqualTo(Callback.State.FAILED);
    assertThat(failed.attempts()).isEqualTo(1);
    assertThat(failed.lastStatus()).isEqualTo(500);
    assertThat(failed.nextAttemptAt()).isNull();
    assertThat(failing.requests()).hasSize(1);
  }

  @Test
  void keepsTryingUntilTheMaxAgeHasPassed() throws Exception {
    Receiver failing = receiver(n -> Answer.status(503));
    long id = ended(failing.url("/hook"));
    CallbackSender sender =
        sender(properties(b -> b.maxAge(Duration.ofMillis(300))), allowLoopback());

    List<CallbackSender.Report> rounds = new ArrayList<>();
    while (callback(id).state() == Callback.State.PENDING) {
      rounds.add(sender.runOnce());
    }

    assertThat(callback(id).state()).isEqualTo(Callback.State.FAILED);
    assertThat(callback(id).attempts()).isGreaterThan(1).isEqualTo(failing.requests().size());
    assertThat(rounds.getLast().givenUp()).isEqualTo(1);
  }

  @Test
  void twoBookkeepersDeliverEachCallbackOnce() throws Exception {
    Receiver receiver =
        receiver(
            n -> {
              sleep(Duration.ofMillis(10));
              return Answer.status(200);
            });
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ids.add(ended(receiver.url("/hook")));
    }
    List<CallbackSender> senders =
        List.of(
            sender(properties(b -> b.batchSize(7)), allowLoopback()),
            sender(properties(b -> b.batchSize(7)), allowLoopback()));

    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> delivered = new ArrayList<>();
    try (ExecutorService bookkeepers = Executors.newFixedThreadPool(2)) {
      for (CallbackSender sender : senders) {
        delivered.add(
            bookkeepers.submit(
                () -> {
                  start.await();
                  int total = 0;
                  CallbackSender.Report round;
                  do {
                    round = sender.runOnce();
                    total += round.delivered();
                  } while (round.attempts() > 0);
                  return total;
                }));
      }
      start.countDown();
    }

    assertThat(delivered.get(0).get() + delivered.get(1).get()).isEqualTo(ids.size());
    assertThat(delivered.get(0).get()).isPositive();
    assertThat(delivered.get(1).get()).isPositive();
    Map<String, Long> perExecution =
        receiver.requests().stream()
            .collect(Collectors.groupingBy(r -> r.header("X-AGP-Delivery"), Collectors.counting()));
    assertThat(perExecution.keySet())
        .containsExactlyInAnyOrderElementsOf(ids.stream().map(id -> id + "-1").toList());
    assertThat(perExecution.values()).containsOnly(1L);
    for (long id : ids) {
      assertThat(callback(id).state()).isEqualTo(Callback.State.DELIVERED);
    }
  }

  @Test
  void deliversOverHttpsToTheCheckedAddressNamingTheHostForTls() throws Exception {
    TestCertificate certificate = TestCertificate.forHost("hooks.test");
    Receiver receiver = Receiver.https(certificate.server(), n -> Answer.status(200));
    closing.add(receiver);
    // Neither name resolves on this machine: a connection by name could not be made at all.
    Map<String, AtomicInteger> lookups =
        Map.of("hooks.test", new AtomicInteger(), "other.test", new AtomicInteger());
    CallbackGuard guard =
        new CallbackGuard(
            List.of("hooks.test", "other.test"),
            host -> {
              AtomicInteger count = lookups.get(host);
              if (count == null) {
                throw new UnknownHostException(host);
              }
              count.incrementAndGet();
              return new InetAddress[] {InetAddress.getLoopbackAddress()};
            });
    long named = ended("https://hooks.test:" + receiver.port() + "/hook");
    long misnamed = ended("https://other.test:" + receiver.port() + "/hook");
    CallbackSender sender =
        sender(properties(b -> b.allowedHosts(List.of())), guard, certificate.trustingClient());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(2, 1, 1, 0));

    assertThat(callback(named).state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(receiver.requests()).hasSize(1);
    Receiver.Request request = receiver.requests().getFirst();
    assertThat(request.header("Host")).isEqualTo("hooks.test:" + receiver.port());
    assertThat(request.serverName()).isEqualTo("hooks.test");
    assertSigned(request);
    // The certificate names hooks.test only: checked against the URL's host, not the address.
    assertThat(callback(misnamed).lastError()).startsWith("TLS: ");
    assertThat(lookups.get("hooks.test")).hasValue(1);
    assertThat(lookups.get("other.test")).hasValue(1);
  }

  @Test
  void anErrorNamesTheHostNotTheAddressItResolvedTo() throws Exception {
    int closedPort;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = closed.getLocalPort();
    }
    long id = ended("http://hooks.invalid:" + closedPort + "/hook");
    CallbackGuard guard =
        new CallbackGuard(
            List.of("hooks.invalid"), host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
    CallbackSender sender = sender(properties(b -> b.allowedHosts(List.of())), guard);

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));

    assertThat(callback(id).lastError())
        .startsWith("could not connect: ")
        .contains("hooks.invalid")
        .doesNotContain("127.0.0.1");
  }

  @Test
  void readsNoMoreThanTheStartOfAnAnswer() throws Exception {
    byte[] noLineEnd = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
    SocketReceiver garbage =
        socketReceiver(
            out -> {
              for (int i = 0; i < 1024; i++) {
                out.write(noLineEnd);
              }
            });
    long id = ended(garbage.url("/hook"));
    CallbackSender sender = sender(properties(b -> b), allowLoopback());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));

    assertThat(callback(id).lastError())
        .isEqualTo(
            "not an HTTP answer: no end of its head in its first "
                + CallbackPoster.MAX_ANSWER_BYTES
                + " bytes");
    // The sender hung up after the first bytes, long before the 64 MiB were written.
    await().atMost(Duration.ofSeconds(10)).until(() -> garbage.cut() == 1);
  }

  @Test
  void skipsAnInterimAnswerAndTakesTheFinalOne() throws Exception {
    SocketReceiver receiver =
        socketReceiver(
            out -> {
              out.write(
                  ascii("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"));
              out.flush();
              Thread.sleep(50);
              out.write(ascii("HTTP/1.1 204 No Content\r\n\r\n"));
            });
    long id = ended(receiver.url("/agp/hook?token=t0k3n"));
    CallbackSender sender = sender(properties(b -> b), allowLoopback());

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(1, 1, 0, 0));

    Callback delivered = callback(id);
    assertThat(delivered.state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(delivered.lastStatus()).isEqualTo(204);
    assertThat(receiver.requestLines()).containsExactly("POST /agp/hook?token=t0k3n HTTP/1.1");
  }

  @Test
  void aReceiverThatTricklesItsAnswerIsCutAtTheReadTimeout() throws Exception {
    // A byte every 200 ms: no wait comes near the read timeout; the whole answer takes 7.6 s.
    byte[] answer = ascii("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    SocketReceiver trickling =
        socketReceiver(
            out -> {
              for (byte b : answer) {
                out.write(b);
                out.flush();
                Thread.sleep(200);
              }
            });
    long id = ended(trickling.url("/hook"));
    CallbackSender sender =
        sender(properties(b -> b.readTimeout(Duration.ofMillis(800))), allowLoopback());

    TimedRound round = TimedRound.of(sender);

    assertThat(round.report()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));
    assertThat(round.took()).isLessThan(Duration.ofSeconds(4));
    assertCutAtTheReadTimeout(id);
    await().atMost(Duration.ofSeconds(10)).until(() -> trickling.cut() == 1);
  }

  @Test
  void aTlsHandshakeThatNeverEndsIsCutAtTheReadTimeout() throws Exception {
    // It waits for a request's head, which never comes: the client waits for the server's hello.
    SocketReceiver silent = socketReceiver(out -> {});
    long id = ended("https://127.0.0.1:" + silent.port() + "/hook");
    // The handshake counts against the read timeout, not the (longer) connect timeout.
    CallbackSender sender =
        sender(
            properties(
                b -> b.connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofMillis(800))),
            allowLoopback());

    TimedRound round = TimedRound.of(sender);

    assertThat(round.report()).isEqualTo(new CallbackSender.Report(1, 0, 1, 0));
    assertThat(round.took()).isLessThan(Duration.ofSeconds(4));
    assertCutAtTheReadTimeout(id);
  }

  @Test
  void connectsToTheCheckedAddressWhateverTheHostWouldResolveTo() throws Exception {
    Receiver receiver = receiver(n -> Answer.status(200));
    // Neither would lead to the receiver, which listens on 127.0.0.1 only: 127.0.0.2 is another
    // address, and no .invalid name resolves. The guard resolves both to 127.0.0.1.
    long literal = ended("http://127.0.0.2:" + receiver.port() + "/hook");
    long named = ended("http://hooks.invalid:" + receiver.port() + "/hook");
    CallbackGuard guard =
        new CallbackGuard(
            List.of("127.0.0.2", "hooks.invalid"),
            host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
    CallbackSender sender = sender(properties(b -> b.allowedHosts(List.of())), guard);

    assertThat(sender.runOnce()).isEqualTo(new CallbackSender.Report(2, 2, 0, 0));

    assertThat(callback(literal).state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(callback(named).state()).isEqualTo(Callback.State.DELIVERED);
    assertThat(receiver.requests())
        .extracting(r -> r.header("Host"))
        .containsExactlyInAnyOrder(
            "127.0.0.2:" + receiver.port(), "hooks.invalid:" + receiver.port());
  }

  @Test
  void theDelayDoublesAfterEachAttemptUpToTheCapLessSomeJitter() {
    CallbackSender sender =
        sender(
            properties(b -> b.backoff(Duration.ofSeconds(5)).maxBackoff(Duration.ofHours(1))),
            allowLoopback());

    for (int i = 0; i < 50; i++) {
      assertThat(sender.backoff(1)).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(5));
      assertThat(sender.backoff(2)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      assertThat(sender.backoff(4)).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(40));
      assertThat(sender.backoff(40)).isBetween(Duration.ofMinutes(30), Duration.ofHours(1));
    }
  }

  @Test
  void refusesToSendWithoutASecretLongEnoughToSign() {
    CallbackProperties weak =
        new CallbackProperties(
            true,
            "too short",
            List.of(),
            Duration.ofDays(1),
            Duration.ofSeconds(5),
            Duration.ofHours(1),
            Duration.ofSeconds(3),
            Duration.ofSeconds(5),
            50,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30));

    assertThatThrownBy(() -> sender(weak, allowLoopback()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("agp.callbacks.secret")
        .hasMessageContaining("32 bytes");
    assertThat(weak.toString()).doesNotContain("too short");
  }

  /** A round of a sender, and how long it took. */
  private record TimedRound(CallbackSender.Report report, Duration took) {

    static TimedRound of(CallbackSender sender) {
      long started = System.nanoTime();
      CallbackSender.Report report = sender.runOnce();
      return new TimedRound(report, Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /** The last attempt got no answer: the read timeout cut it. */
  private void assertCutAtTheReadTimeout(long id) {
    Callback callback = callback(id);
    assertThat(callback.lastStatus()).isNull();
    assertThat(callback.lastError()).startsWith("timed out").contains("read timeout");
  }

  /** Checks X-AGP-Signature as a receiver would: HMAC-SHA256 of "t.body", a recent t. */
  private static void assertSigned(Receiver.Request request) throws Exception {
    Matcher signature =
        Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(request.header("X-AGP-Signature"));
    assertThat(signature.matches()).as(request.header("X-AGP-Signature")).isTrue();
    long t = Long.parseLong(signature.group(1));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
    assertThat(HexFormat.of().formatHex(mac.doFinal(request.body()))).isEqualTo(signature.group(2));
    assertThat(Math.abs(Instant.now().getEpochSecond() - t)).isLessThan(60);
  }

  /** A SUCCEEDED execution of alice's, with this callback URL. */
  private long ended(String callbackUrl) throws IOException {
    String sql = "SELECT '" + UUID.randomUUID() + "'";
    String hash = HASH.of(sql, "JSON", Map.of());
    long id =
        executions
            .createOrCollapse(
                NewExecution.builder(hash, sql)
                    .format("JSON")
                    .createdBy("alice")
                    .labels(Map.of("team", "ads"))
                    .parameters(Map.of("token", "never shown"))
                    .maxAttempts(1)
                    .shareKey("alice")
                    .callbackUrl(callbackUrl)
                    .build())
            .execution()
            .id();
    AttemptId attemptId =
        executions.claim("default", "worker", 1, Duration.ofMinutes(1)).getFirst().attemptId();
    executions.complete(
        attemptId,
        new StoredResult(
            "results/" + id, 3, 42, List.of(new ResultMetadata.Column("n", "UInt8")), null, 7),
        Duration.ofHours(1));
    return id;
  }

  private Callback callback(long id) {
    return executions.get(id).orElseThrow().callback();
  }

  private Receiver receiver(java.util.function.IntFunction<Answer> answers) throws IOException {
    Receiver receiver = Receiver.http(answers);
    closing.add(receiver);
    return receiver;
  }

  private SocketReceiver socketReceiver(SocketReceiver.Answer answer) throws IOException {
    SocketReceiver receiver = new SocketReceiver(answer);
    closing.add(receiver);
    return receiver;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static CallbackGuard allowLoopback() {
    return new CallbackGuard(List.of("127.0.0.1"));
  }

  private CallbackSender sender(CallbackProperties properties, CallbackGuard guard) {
    try {
      return sender(properties, guard, SSLContext.getDefault());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private CallbackSender sender(
      CallbackProperties properties, CallbackGuard guard, SSLContext tls) {
    CallbackPoster poster =
        new CallbackPoster(properties.connectTimeout(), properties.readTimeout(), tls);
    closing.add(poster);
    return new CallbackSender(
        callbacks, guard, poster, properties, Clock.systemUTC(), new SimpleMeterRegistry());
  }

  /** Settings for tests: retries due at once, short timeouts; {@code change} adjusts them. */
  private static CallbackProperties properties(Function<Settings, Settings> change) {
    return change.apply(new Settings()).build();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** CallbackProperties to adjust, one setting at a time. */
  private static final class Settings {
    private List<String> allowedHosts = List.of("127.0.0.1");
    private Duration maxAge = Duration.ofDays(1);
    private Duration backoff = Duration.ZERO;
    private Duration maxBackoff = Duration.ZERO;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration readTimeout = Duration.ofSeconds(5);
    private int batchSize = 50;

    Settings allowedHosts(List<String> hosts) {
      allowedHosts = hosts;
      return this;
    }

    Settings maxAge(Duration age) {
      maxAge = age;
      return this;
    }

    Settings backoff(Duration delay) {
      backoff = delay;
      return this;
    }

    Settings maxBackoff(Duration delay) {
      maxBackoff = delay;
      return this;
    }

    Settings connectTimeout(Duration timeout) {
      connectTimeout = timeout;
      return this;
    }

    Settings readTimeout(Duration timeout) {
      readTimeout = timeout;
      return this;
    }

    Settings batchSize(int size) {
      batchSize = size;
      return this;
    }

    CallbackProperties build() {
      return new CallbackProperties(
          true,
          SECRET,
          allowedHosts,
          maxAge,
          backoff,
          maxBackoff,
          connectTimeout,
          readTimeout,
          batchSize,
          Duration.ofSeconds(1),
          Duration.ofSeconds(30));
    }
  }
}
