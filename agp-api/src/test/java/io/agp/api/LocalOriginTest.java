package io.agp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Without authentication, a page whose own name points at this machine (DNS rebinding) must not
 * reach AGP: a request addressed to a name other than localhost, an IP address or one of
 * agp.api.allowed-hosts is refused. With tokens nothing is checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalOriginTest {

  private final TestApi open = TestApi.start("--agp.api.allowed-hosts=agp.internal,*.corp.example");
  private final TestApi jwt =
      TestApi.start(
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=a-test-secret-of-at-least-32-bytes!!");

  @AfterAll
  void stop() {
    open.context.close();
    jwt.context.close();
  }

  private static int status(TestApi api, String path, String host) throws Exception {
    try (RawDownload reply = RawDownload.openAs(api.url(path), host)) {
      return reply.status();
    }
  }

  @Test
  void answersLocalhostAddressesAndTheListedNamesOnly() throws Exception {
    int port = open.url("/").getPort();
    for (String host :
        new String[] {
          "localhost:" + port,
          "LOCALHOST",
          "app.localhost:" + port,
          "127.0.0.1:" + port,
          "10.1.2.3",
          "[::1]:" + port,
          "agp.internal:" + port,
          "bi.corp.example"
        }) {
      assertThat(status(open, "/v1/async/executions?limit=1", host)).as(host).isEqualTo(200);
    }
    for (String host :
        new String[] {
          "evil.example:" + port, "localhost.evil.example", "agp.internal.evil", "corp.example"
        }) {
      try (RawDownload reply = RawDownload.openAs(open.url("/v1/async/executions?limit=1"), host)) {
        assertThat(reply.status()).as(host).isEqualTo(403);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      }
    }
  }

  @Test
  void withTokensAnyNameIsAnswered() throws Exception {
    URI url = jwt.url("/v1/async/executions?limit=1");
    // Refused for want of a token, not for its name.
    assertThat(status(jwt, "/v1/async/executions?limit=1", "evil.example:" + url.getPort()))
        .isEqualTo(401);
  }
}
