package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.view.ExecutionJson;
import io.agp.view.ExecutionView;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A create's callback_url: checked at once, recorded only by the create that makes the execution,
 * and shown to its creator only. JWT mode, with the users of a tier sharing executions, so that one
 * user can join another's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallbackCreateTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  /** A public address as a literal: accepted without any DNS lookup. */
  private static final String PUBLIC_HOOK = "https://93.184.215.14/agp/hook?token=t0k3n";

  private final TestApi api =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.share-scope=tier",
          "--agp.callbacks.enabled=true",
          "--agp.callbacks.allowed-hosts=127.0.0.1");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void aCreateRecordsItsCallbackAndShowsItToItsCreatorOnly() throws Exception {
    String alice = token("alice", List.of());
    String bob = token("bob", List.of());
    String admin = token("root", List.of("admin"));
    String sql = "SELECT 'shared " + UUID.randomUUID() + "'";

    Reply created = create(alice, sql, PUBLIC_HOOK);
    long id = created.json().get("id").asLong();
    Reply joined = create(bob, sql, "https://93.184.215.15/bob");

    assertThat(created.status()).isEqualTo(201);
    JsonNode callback = created.json().get("callback");
    assertThat(callback.get("url").asString()).isEqualTo(PUBLIC_HOOK);
    assertThat(callback.get("state").asString()).isEqualTo("waiting");
    assertThat(callback.get("attempts").asInt()).isZero();
    assertThat(joined.status()).isEqualTo(200);
    assertThat(joined.json().get("collapsed").asBoolean()).isTrue();
    assertThat(joined.json().get("id").asLong()).isEqualTo(id);
    assertThat(joined.json().has("callback")).isFalse();
    assertThat(joined.text()).doesNotContain("t0k3n");
    assertThat(get(bob, id).text()).doesNotContain("callback").doesNotContain("t0k3n");
    assertThat(get(alice, id).json().get("callback").get("url").asString()).isEqualTo(PUBLIC_HOOK);
    assertThat(get(admin, id).json().get("callback").get("url").asString()).isEqualTo(PUBLIC_HOOK);
    assertThat(
            api.jdbc()
                .sql("select callback_url from executions where id = :id")
                .param("id", id)
                .query(String.class)
                .single())
        .isEqualTo(PUBLIC_HOOK);
  }

  @Test
  void aTextCreateTakesItsCallbackUrlFromTheQuery() throws Exception {
    String hook = "http://127.0.0.1:9/agp";
    Reply created =
        as(
            token("alice", List.of()),
            "/v1/async/executions?callback_url=" + URLEncoder.encode(hook, StandardCharsets.UTF_8),
            "text/plain",
            "SELECT 'text " + UUID.randomUUID() + "'");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("callback").get("url").asString()).isEqualTo(hook);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not a url",
        "ftp://93.184.215.14/agp",
        "http://93.184.215.14/agp",
        "https://user:password@93.184.215.14/agp",
        "https://93.184.215.14/agp#fragment",
        "https://127.0.0.2/agp",
        "https://localhost/agp",
        "https://0.0.0.0/agp",
        "https://10.0.0.1/agp",
        "https://192.168.1.10/agp",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/agp",
        "https://[fd00::1]/agp",
        "https://[::ffff:127.0.0.1]/agp"
      })
  void refusesACallbackUrlCallbacksMayNotReach(String url) throws Exception {
    long before = count();

    Reply refused = create(token("alice", List.of()), "SELECT 'refused'", url);

    assertThat(refused.status()).as(refused.text()).isEqualTo(400);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().get("field").asString()).isEqualTo("callback_url");
    assertThat(count()).isEqualTo(before);
  }

  @Test
  void aGetShowsTheCreatorTheJsonThatItsCallbackSends() throws Exception {
    String alice = token("alice", List.of());
    long id =
        create(alice, "SELECT 'same json " + UUID.randomUUID() + "'", PUBLIC_HOOK)
            .json()
            .get("id")
            .asLong();
    api.succeed(id, "{\"n\": 1}".getBytes(StandardCharsets.UTF_8), null);

    JsonNode got = get(alice, id).json();
    JsonNode sent =
        JsonMapper.builder()
            .build()
            .readTree(
                ExecutionJson.bytes(
                    ExecutionView.of(
                        api.repository().get(id).orElseThrow(), ExecutionView.Viewer.CREATOR)));

    assertThat(got.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(got.get("callback").get("state").asString()).isEqualTo("pending");
    assertThat(sent).isEqualTo(got);
  }

  @Test
  void aServerWithoutCallbacksRefusesACallbackUrl() {
    TestApi plain = TestApi.shared();
    Reply refused =
        plain.client.postJson(
            "/v1/async/executions",
            "{\"sql\": \"SELECT 'no callbacks'\", \"callback_url\": \"" + PUBLIC_HOOK + "\"}");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().get("field").asString()).isEqualTo("callback_url");
    assertThat(refused.json().get("detail").asString()).contains("not enabled");
  }

  private Reply create(String token, String sql, String callbackUrl) {
    return as(
        token,
        "/v1/async/executions",
        "application/json",
        "{\"sql\": \"" + sql + "\", \"callback_url\": \"" + callbackUrl + "\"}");
  }

  private Reply as(String token, String path, String contentType, String body) {
    return client.send(
        "POST",
        path,
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private Reply get(String token, long id) {
    return client.get("/v1/async/executions/" + id, "Authorization", "Bearer " + token);
  }

  private long count() {
    return api.jdbc().sql("select count(*) from executions").query(Long.class).single();
  }

  private static String token(String sub, List<String> roles) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .expirationTime(Date.from(Instant.now().plusSeconds(600)))
            .claim("tier", "default")
            .claim("roles", roles)
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }
}
