package io.agp.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;

/**
 * A token this instance has verified already skips the full filter chain, and is answered as the
 * full chain would answer it: the same caller and rights, the same security headers, the same rate
 * limit, the actuator still for admins only; a token changed by a character is checked afresh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifiedBearerChainTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  /** Sign-ins by the full chain: its provider announces each one. */
  private final AtomicInteger fullChainSignIns = new AtomicInteger();

  private final TestApi api =
      TestApi.start(
          builder ->
              builder.listeners(
                  (ApplicationListener<AuthenticationSuccessEvent>)
                      event -> fullChainSignIns.incrementAndGet()),
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.rate-limit.requests-per-second=1",
          "--agp.api.rate-limit.burst=40");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub, List<String> roles) {
    return TestTokens.signed(SECRET, sub + "-" + UUID.randomUUID(), roles);
  }

  private static HttpRequest.Builder bearer(String token) {
    return HttpRequest.newBuilder().header("Authorization", "Bearer " + token);
  }

  private Reply get(String token, String path) {
    return client.send("GET", path, bearer(token).GET());
  }

  private long created(String token) {
    Reply created =
        client.send(
            "POST",
            "/v1/async/executions",
            bearer(token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'verified'")));
    assertThat(created.status()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  @Test
  void aVerifiedTokenIsSignedInWithoutTheFullChainAndAnsweredAlike() throws Exception {
    String alice = token("alice", List.of());
    String bob = token("bob", List.of());
    long id = created(alice); // the full chain verifies Alice's token
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    int before = fullChainSignIns.get();

    List<Reply> gets = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      gets.add(get(alice, "/v1/async/executions/" + id));
    }
    Reply download = get(alice, "/v1/async/executions/" + id + "/result");
    // An event stream ends on an asynchronous dispatch, which finds Alice still signed in.
    Reply events = get(alice, "/v1/async/executions/" + id + "/events");

    // Without the shorter chain, each request would be signed in by the full one.
    assertThat(fullChainSignIns.get() - before).isZero();
    for (Reply reply : gets) {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.json().get("created_by").asString()).startsWith("alice-");
      assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(reply.header("X-Frame-Options")).isEqualTo("DENY");
    }
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.body()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
    // The full chain's header writer, whose cache headers a download gets.
    assertThat(download.header("Cache-Control")).contains("no-store");
    assertThat(events.status()).isEqualTo(200);
    assertThat(events.text()).contains("SUCCEEDED");

    // Bob's verified token is still Bob: Alice's execution does not exist for him.
    assertThat(get(bob, "/v1/async/executions?limit=1").status()).isEqualTo(200);
    assertThat(get(bob, "/v1/async/executions/" + id).status()).isEqualTo(404);
    assertThat(get(bob, "/v1/async/executions/" + id + "/result").status()).isEqualTo(404);
  }

  @Test
  void aChangedTokenIsCheckedAfreshAndRefused() {
    String carol = token("carol", List.of());
    assertThat(get(carol, "/v1/async/executions?limit=1").status()).isEqualTo(200);
    int last = carol.length() - 1;
    String forged = carol.substring(0, last) + (carol.charAt(last) == 'A' ? 'B' : 'A');
    int before = fullChainSignIns.get();

    Reply refused = get(forged, "/v1/async/executions?limit=1");

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(get(carol + ".", "/v1/async/executions?limit=1").status()).isEqualTo(401);
    assertThat(fullChainSignIns.get()).isEqualTo(before);
  }

  @Test
  void theActuatorStillNeedsTheAdminRoleWhateverTheTokenDidBefore() {
    String dave = token("dave", List.of());
    String admin = token("root", List.of("admin"));
    assertThat(get(dave, "/v1/async/executions?limit=1").status()).isEqualTo(200);
    assertThat(get(admin, "/v1/async/executions?limit=1").status()).isEqualTo(200);

    Reply refused = client.sendUnchecked("/actuator/prometheus", bearer(dave).GET());
    Reply metrics = client.sendUnchecked("/actuator/prometheus", bearer(admin).GET());

    assertThat(refused.status()).isEqualTo(403);
    assertThat(metrics.status()).isEqualTo(200);
  }

  @Test
  void theRateLimitCountsTheRequestsOfAVerifiedToken() {
    String erin = token("erin", List.of());
    int limited = 0;
    for (int i = 0; i < 60; i++) {
      Reply reply = get(erin, "/v1/async/executions?limit=1");
      if (reply.status() == 429) {
        limited++;
        assertThat(reply.header("Retry-After")).isNotNull();
      } else {
        assertThat(reply.status()).isEqualTo(200);
      }
    }
    // A burst of 40 at one request a second: the last twenty or so wait.
    assertThat(limited).isGreaterThanOrEqualTo(10);
  }
}
