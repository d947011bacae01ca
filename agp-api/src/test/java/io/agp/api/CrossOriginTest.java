package io.agp.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.EventStream;
import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A dashboard served from another origin calls the API with bearer tokens (JWT mode, two users):
 * preflights are answered without a token for the listed origins only, answers carry the CORS
 * headers a page needs to read them, never in credentials mode; an EventSource opens a stream with
 * a short-lived token of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossOriginTest {

  private static final String SECRET = "the token secret of the CORS test, 32 bytes+";
  private static final String DASH = "https://dash.example.com";
  private static final String TEAM = "https://team.apps.example.com";
  private static final String EVIL = "https://evil.example";

  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + ClickHouseTestServer.shared().httpUrl(),
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.cors.allowed-origins=" + DASH + ",https://*.apps.example.com",
          "--agp.api.cors.event-token-ttl=2s",
          "--agp.api.rate-limit.requests-per-second=1",
          "--agp.api.rate-limit.burst=40");
  private final ContractClient client = api.client;
  private final String alice = token("alice");
  private final String bob = token("bob");

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .subject(sub)
              .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
              .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Reply preflight(String path, String origin, String method, String headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder()
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method);
    if (headers != null) {
      request.header("Access-Control-Request-Headers", headers);
    }
    return client.sendUnchecked(path, request);
  }

  /** A request as a browser sends it for a page of {@code origin}. */
  private Reply fromPage(String origin, String token, String method, String path, String json) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder().header("Origin", origin).header("Sec-Fetch-Site", "cross-site");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return client.send(method, path, request);
  }

  private long create(String token) {
    Reply reply =
        fromPage(
            DASH,
            token,
            "POST",
            "/v1/async/executions",
            "{\"sql\": \"SELECT '" + UUID.randomUUID() + "'\"}");
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  private static List<String> list(String header) {
    return header == null
        ? List.of()
        : Arrays.stream(header.split(","))
            .map(value -> value.strip().toLowerCase(Locale.ROOT))
            .toList();
  }

  @Test
  void aPreflightOfAListedOriginIsAnsweredWithoutAToken() {
    for (String origin : List.of(DASH, TEAM)) {
      for (String path :
          List.of("/v1/async/executions", "/v1/sync/run", "/v1/chproxy/", "/v1/chproxy")) {
        Reply reply = preflight(path, origin, "POST", "authorization,content-type");

        assertThat(reply.status()).as(origin + " " + path).isEqualTo(200);
        assertThat(reply.header("Access-Control-Allow-Origin")).isEqualTo(origin);
        assertThat(list(reply.header("Access-Control-Allow-Methods"))).contains("post");
        assertThat(list(reply.header("Access-Control-Allow-Headers")))
            .contains("authorization", "content-type");
        assertThat(reply.header("Access-Control-Max-Age")).isEqualTo("1800");
        assertThat(reply.header("Access-Control-Allow-Credentials")).isNull();
      }
    }
    // What the ClickHouse web client sends to the proxy besides.
    Reply proxy =
        preflight("/v1/chproxy/?query_id=x", DASH, "POST", "authorization,x-clickhouse-key");
    assertThat(proxy.status()).isEqualTo(200);
    assertThat(list(proxy.header("Access-Control-Allow-Headers"))).contains("x-clickhouse-key");
  }

  @Test
  void aPreflightOfAnOriginNotListedGetsNoAllowOrigin() {
    for (String origin : List.of(EVIL, "null", "https://dash.example.com.evil.example")) {
      Reply reply = preflight("/v1/async/executions", origin, "POST", "authorization");

      assertThat(reply.status()).as(origin).isEqualTo(403);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.header("Access-Control-Allow-Origin")).isNull();
    }
    // A listed origin that asks for a header the API does not take.
    Reply header = preflight("/v1/async/executions", DASH, "POST", "x-unknown-header");
    assertThat(header.status()).isEqualTo(403);
    assertThat(header.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void anOriginThatIsNotAUrlIsA400() {
    long id = create(alice);
    for (String origin : List.of("http://a b", "http://a^b", "http://a%zz")) {
      Reply read = fromPage(origin, alice, "GET", "/v1/async/executions/" + id, null);
      assertThat(read.status()).as(origin).isEqualTo(400);
      assertThat(read.header("Content-Type")).startsWith("application/problem+json");
      assertThat(read.json().get("detail").asString()).contains("Origin");

      Reply preflight = preflight("/v1/async/executions", origin, "POST", "authorization");
      assertThat(preflight.status()).as(origin).isEqualTo(400);
      assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();

      // Every path under /v1 is judged so, those of no other 400 too (the contract says so).
      for (String path : List.of("/v1/chproxy/ping", "/v1/async/queues")) {
        assertThat(fromPage(origin, alice, "GET", path, null).status()).as(path).isEqualTo(400);
      }
    }
    // Nothing of the execution changed: its owner still reads it.
    assertThat(fromPage(DASH, alice, "GET", "/v1/async/executions/" + id, null).status())
        .isEqualTo(200);
  }

  @Test
  void answersToAListedOriginCarryTheHeadersAPageReadsAndNeverCredentials() {
    long id = create(alice);

    Reply created =
        fromPage(
            TEAM,
            alice,
            "POST",
            "/v1/async/executions",
            "{\"sql\": \"SELECT '" + UUID.randomUUID() + "'\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo(TEAM);
    assertThat(created.header("Access-Control-Allow-Credentials")).isNull();
    assertThat(list(created.header("Access-Control-Expose-Headers")))
        .contains("location", "retry-after", "content-range", "etag", "last-event-id");
    assertThat(list(created.header("Vary"))).contains("origin");

    Reply read = fromPage(DASH, alice, "GET", "/v1/async/executions/" + id, null);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(DASH);

    // Another user of the same page sees the same 404 as anyone else, readable by the page.
    Reply other = fromPage(DASH, bob, "GET", "/v1/async/executions/" + id, null);
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.header("Access-Control-Allow-Origin")).isEqualTo(DASH);

    // Without a token: a 401 the page can read, so that it can ask its user to sign in.
    Reply unsigned = fromPage(DASH, null, "GET", "/v1/async/executions/" + id, null);
    assertThat(unsigned.status()).isEqualTo(401);
    assertThat(unsigned.header("Access-Control-Allow-Origin")).isEqualTo(DASH);
  }

  @Test
  void answersToAnOriginNotListedCarryNoCorsHeadersAndItsChangesAreRefused() {
    long id = create(alice);

    Reply read = fromPage(EVIL, alice, "GET", "/v1/async/executions/" + id, null);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("Access-Control-Allow-Origin")).isNull();

    Reply created =
        fromPage(
            EVIL,
            alice,
            "POST",
            "/v1/async/executions",
            "{\"sql\": \"SELECT '" + UUID.randomUUID() + "'\"}");
    assertThat(created.status()).isEqualTo(403);
    assertThat(created.header("Access-Control-Allow-Origin")).isNull();
    assertThat(created.json().get("detail").asString()).contains("agp.api.cors.allowed-origins");
  }

  @Test
  void preflightsAreNotCountedByTheRateLimitAndA429IsReadableByThePage() {
    String carol = token("carol");
    for (int i = 0; i < 100; i++) {
      assertThat(preflight("/v1/async/executions", DASH, "GET", "authorization").status())
          .isEqualTo(200);
    }
    // The burst (40) is still whole after 100 preflights: the first 40 calls pass.
    for (int i = 0; i < 40; i++) {
      assertThat(fromPage(DASH, carol, "GET", "/v1/async/executions", null).status())
          .as("call %d", i)
          .isEqualTo(200);
    }
    Reply limited = fromPage(DASH, carol, "GET", "/v1/async/executions", null);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Access-Control-Allow-Origin")).isEqualTo(DASH);
    assertThat(limited.header("Retry-After")).isNotBlank();
    assertThat(list(limited.header("Access-Control-Expose-Headers"))).contains("retry-after");
  }

  @Test
  void theSyncRunAndTheClickHouseProxyAnswerAListedOriginWithItsHeaders() {
    HttpRequest.Builder run =
        HttpRequest.newBuilder()
            .header("Origin", DASH)
            .header("Sec-Fetch-Site", "cross-site")
            .header("Authorization", "Bearer " + alice)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("SELECT 42 AS answer"));
    Reply sync = client.send("POST", "/v1/sync/run?format=CSV", run);
    assertThat(sync.status()).as(sync.text()).isEqualTo(200);
    assertThat(sync.text()).isEqualTo("42\n");
    assertThat(sync.header("Access-Control-Allow-Origin")).isEqualTo(DASH);
    assertThat(list(sync.header("Access-Control-Expose-Headers"))).contains("x-agp-query-id");

    // As a page's fetch sends a form: the body is the SQL, not parameters to take from it.
    HttpRequest.Builder proxy =
        HttpRequest.newBuilder()
            .header("Origin", DASH)
            .header("Sec-Fetch-Site", "cross-site")
            .header(
                "Authorization",
                "Basic "
                    + java.util.Base64.getEncoder()
                        .encodeToString(("dashboard:" + alice).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("SELECT 7 AS seven"));
    Reply answer = client.send("POST", "/v1/chproxy/?default_format=TSV", proxy);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.text()).isEqualTo("7\n");
    assertThat(answer.header("Access-Control-Allow-Origin")).isEqualTo(DASH);
    assertThat(list(answer.header("Access-Control-Expose-Headers")))
        .contains("x-clickhouse-summary");
  }

  private Reply mint(String token, long id) {
    return fromPage(DASH, token, "POST", "/v1/async/executions/" + id + "/events/token", null);
  }

  private Reply events(long id, String accessToken) {
    return client.send(
        "GET",
        "/v1/async/executions/" + id + "/events",
        HttpRequest.newBuilder(
                api.url(
                    "/v1/async/executions/"
                        + id
                        + "/events?access_token="
                        + URLEncoder.encode(accessToken, StandardCharsets.UTF_8)))
            .header("Origin", DASH)
            .GET());
  }

  @Test
  void anEventSourceOpensTheStreamOfItsExecutionWithAShortLivedToken() throws Exception {
    long id = create(alice);
    Reply minted = mint(alice, id);
    assertThat(minted.status()).as(minted.text()).isEqualTo(200);
    String accessToken = minted.json().get("access_token").asString();
    assertThat(accessToken).doesNotStartWith("eyJ"); // not a JWT
    assertThat(Instant.parse(minted.json().get("expires_at").asString()))
        .isBetween(Instant.now(), Instant.now().plusSeconds(4));

    URI eventsUrl = URI.create(minted.json().get("events_url").asString());
    try (EventStream stream =
        EventStream.open(HttpRequest.newBuilder(eventsUrl).header("Origin", DASH).GET())) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.contentType()).startsWith("text/event-stream");
      EventStream.Event first = stream.next(Duration.ofSeconds(10));
      assertThat(first.name()).isEqualTo("status");
      assertThat(first.json().get("id").asLong()).isEqualTo(id);
    }
  }

  @Test
  void aForgedExpiredOrMisusedEventTokenOpensNothing() {
    long own = create(alice);
    long second = create(alice);
    long bobs = create(bob);
    String accessToken = mint(alice, own).json().get("access_token").asString();
    String bobsToken = mint(bob, bobs).json().get("access_token").asString();

    // Another user's execution: no token for it, the same 404 as for one that does not exist.
    Reply stranger = mint(bob, own);
    assertThat(stranger.status()).isEqualTo(404);
    assertThat(stranger.header("Content-Type")).startsWith("application/problem+json");
    assertThat(mint(bob, 999_999_999L).status()).isEqualTo(404);

    String forged =
        accessToken.substring(0, accessToken.lastIndexOf('.') + 1)
            + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    String[] parts = accessToken.split("\\.");
    String otherUser =
        String.join(
            ".",
            parts[0],
            parts[1],
            parts[2],
            java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("bob".getBytes(StandardCharsets.UTF_8)),
            parts[4]);
    for (String[] refused :
        new String[][] {
          {"forged signature", String.valueOf(own), forged},
          {"user changed", String.valueOf(own), otherUser},
          {"another execution of the same user", String.valueOf(second), accessToken},
          {"bob's token on alice's execution", String.valueOf(own), bobsToken},
          {"a bearer JWT in the URL", String.valueOf(own), alice},
          {"garbage", String.valueOf(own), "x"}
        }) {
      Reply reply = events(Long.parseLong(refused[1]), refused[2]);
      assertThat(reply.status()).as(refused[0]).isEqualTo(401);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.header("Access-Control-Allow-Origin")).isEqualTo(DASH);
    }

    // The token opens the stream only: nothing else takes it.
    Reply elsewhere =
        client.sendUnchecked(
            "/v1/async/executions/" + own + "?access_token=" + accessToken,
            HttpRequest.newBuilder().GET());
    assertThat(elsewhere.status()).isEqualTo(401);

    // And only for a short while.
    await()
        .atMost(Duration.ofSeconds(8))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> events(own, accessToken).status() == 401);
  }
}
