package io.agp.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** agp.api.auth.mode=jwt: who may do what, and 401/403 as problem+json. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final TestApi api =
      TestApi.start("--agp.api.auth.mode=jwt", "--agp.api.auth.jwt-secret=" + SECRET);
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private static String token(String sub, String tier, List<String> roles, Instant expires)
      throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder().subject(sub).expirationTime(Date.from(expires));
    if (tier != null) {
      claims.claim("tier", tier);
    }
    claims.claim("roles", roles);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static String token(String sub, String tier, List<String> roles) throws Exception {
    return token(sub, tier, roles, Instant.now().plusSeconds(600));
  }

  private Reply as(String token, String method, String path, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder();
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

  private long create(String token, String sql) {
    Reply reply = as(token, "POST", "/v1/async/executions", "{\"sql\": \"" + sql + "\"}");
    assertThat(reply.status()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  /**
   * An identity provider signs every application's tokens with the same keys and as the same
   * issuer: an issuer without an audience would let another application's tokens in.
   */
  @Test
  void anIssuerWithoutAnAudienceStopsTheStart() {
    assertThatThrownBy(
            () ->
                TestApi.start(
                    "--agp.api.auth.mode=jwt",
                    "--agp.api.auth.jwt-secret=a-test-secret-of-at-least-32-bytes!!",
                    "--agp.api.auth.issuer=https://id.example.com"))
        .rootCause()
        .hasMessageContaining("agp.api.auth.audience");
  }

  @Test
  void noTokenOrABadOneIs401Problem() throws Exception {
    Reply none = as(null, "GET", "/v1/async/executions", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("Content-Type")).startsWith("application/problem+json");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");

    Reply forged =
        as(token("eve", "default", List.of()) + "x", "GET", "/v1/async/executions", null);
    assertThat(forged.status()).isEqualTo(401);

    String expired = token("eve", "default", List.of(), Instant.now().minusSeconds(3600));
    assertThat(as(expired, "GET", "/v1/async/executions", null).status()).isEqualTo(401);

    // A malformed header, with a valid token in it, is refused as a whole.
    String valid = token("eve", "default", List.of());
    for (String header :
        List.of(
            "Bearer  " + valid,
            "Bearer " + valid + " x",
            "Bearer " + valid + ",",
            "Bearer",
            "Token " + valid)) {
      Reply malformed =
          client.send(
              "GET",
              "/v1/async/executions",
              HttpRequest.newBuilder().header("Authorization", header).GET());
      assertThat(malformed.status()).as(header).isEqualTo(401);
      assertThat(malformed.header("Content-Type")).startsWith("application/problem+json");
    }
    // The scheme in any case is the same token; and no session: the next call without a token is
    // refused as the first was, and sets no cookie.
    Reply lower =
        client.send(
            "GET",
            "/v1/async/executions",
            HttpRequest.newBuilder().header("Authorization", "bearer " + valid).GET());
    assertThat(lower.status()).isEqualTo(200);
    assertThat(lower.header("Set-Cookie")).isNull();
    assertThat(as(null, "GET", "/v1/async/executions", null).status()).isEqualTo(401);
  }

  @Test
  void theTierComesFromTheTokenAndAnotherTierIs403() throws Exception {
    String gold = token("gina-" + UUID.randomUUID(), "gold", List.of());

    Reply created = as(gold, "POST", "/v1/async/executions", "{\"sql\": \"SELECT 1\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("tier").asString()).isEqualTo("gold");
    assertThat(created.json().get("created_by").asString()).startsWith("gina-");

    Reply other =
        as(gold, "POST", "/v1/async/executions", "{\"sql\": \"SELECT 1\", \"tier\": \"default\"}");
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.json().get("field").asString()).isEqualTo("tier");
  }

  @Test
  void aUserSeesListsAndCancelsOnlyTheirOwnExecutionsAndAnAdminAll() throws Exception {
    String alice = token("alice", "default", List.of());
    String bob = token("bob", "default", List.of());
    String admin = token("root", "default", List.of("admin"));
    long ofAlice = create(alice, "SELECT 'alice " + UUID.randomUUID() + "'");

    assertThat(as(alice, "GET", "/v1/async/executions/" + ofAlice, null).status()).isEqualTo(200);
    assertThat(as(bob, "GET", "/v1/async/executions/" + ofAlice, null).status()).isEqualTo(404);
    assertThat(as(bob, "POST", "/v1/async/executions/" + ofAlice + "/cancel", null).status())
        .isEqualTo(404);
    assertThat(as(bob, "GET", "/v1/async/executions", null).json().get("executions").toString())
        .doesNotContain("\"alice\"");
    assertThat(as(alice, "GET", "/v1/async/executions", null).json().get("executions").toString())
        .contains("\"alice\"");
    assertThat(as(admin, "GET", "/v1/async/executions/" + ofAlice, null).status()).isEqualTo(200);
    assertThat(as(admin, "POST", "/v1/async/executions/" + ofAlice + "/cancel", null).status())
        .isEqualTo(200);
  }

  @Test
  void anotherUsersWaitIs404AndLeavesTheExecutionAsItWas() throws Exception {
    String alice = token("alice", "default", List.of());
    String bob = token("bob", "default", List.of());
    long ofAlice = create(alice, "SELECT 'alice waits " + UUID.randomUUID() + "'");

    assertThat(as(bob, "GET", "/v1/async/executions/" + ofAlice + "?wait=1", null).status())
        .isEqualTo(404);
    assertThat(as(bob, "GET", "/v1/async/executions/" + ofAlice + "/events", null).status())
        .isEqualTo(404);
    // Bob's wait marked nothing: the execution's changes are announced only for its own readers.
    assertThat(api.repository().get(ofAlice).orElseThrow().watched()).isFalse();

    assertThat(as(alice, "GET", "/v1/async/executions/" + ofAlice + "?wait=1", null).status())
        .isEqualTo(200);
    assertThat(api.repository().get(ofAlice).orElseThrow().watched()).isTrue();
  }

  @Test
  void aSignedLinkNeedsNoToken() throws Exception {
    String alice = token("alice", "default", List.of());
    long id = create(alice, "SELECT 'link " + UUID.randomUUID() + "'");
    api.succeed(id, "{\"n\": 1}".getBytes(StandardCharsets.UTF_8), null);

    Reply link = as(alice, "POST", "/v1/async/executions/" + id + "/result-link", null);
    URI url = URI.create(link.json().get("url").asString());

    Reply download = client.get(url.getRawPath() + "?" + url.getRawQuery());
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.text()).isEqualTo("{\"n\": 1}");
  }

  @Test
  void aPreviewIsTheCreatorsAndTheQueuesTheAdminsOnly() throws Exception {
    String alice = token("alice", "default", List.of());
    String bob = token("bob", "default", List.of());
    String admin = token("root", "default", List.of("admin"));
    long id = create(alice, "SELECT 'preview " + UUID.randomUUID() + "'");
    api.succeed(id, "{\"n\": 1}\n".getBytes(StandardCharsets.UTF_8), null);
    String preview = "/v1/async/executions/" + id + "/result/preview";

    assertThat(as(alice, "GET", preview, null).status()).isEqualTo(200);
    assertThat(as(bob, "GET", preview, null).status()).isEqualTo(404);
    assertThat(as(admin, "GET", preview, null).status()).isEqualTo(200);
    assertThat(as(null, "GET", preview, null).status()).isEqualTo(401);

    Reply refused = as(alice, "GET", "/v1/async/queues", null);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().get("detail").asString()).contains("admins");
    assertThat(as(admin, "GET", "/v1/async/queues", null).status()).isEqualTo(200);
  }

  @Test
  void theConsolesPageAndAssetsLoadWithoutAToken() {
    for (String path : new String[] {"/ui/", "/ui/js/main.js", "/ui/console.css"}) {
      Reply reply = client.sendUnchecked(path, HttpRequest.newBuilder().GET());
      assertThat(reply.status()).as(path).isEqualTo(200);
    }
    assertThat(client.sendUnchecked("/", HttpRequest.newBuilder().GET()).status()).isEqualTo(302);
  }
}
