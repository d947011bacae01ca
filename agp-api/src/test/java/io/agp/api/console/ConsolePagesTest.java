package io.agp.api.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

/** The web console's page and assets: where they are, and the headers that keep them safe. */
class ConsolePagesTest {

  private final ContractClient client = TestApi.shared().client;

  private Reply get(String path) {
    return client.sendUnchecked(path, HttpRequest.newBuilder().GET());
  }

  @Test
  void theRootAndUiLeadToTheConsolePage() {
    for (String path : new String[] {"/", "/ui"}) {
      Reply reply = get(path);
      assertThat(reply.status()).as(path).isEqualTo(302);
      assertThat(reply.header("Location")).as(path).endsWith("/ui/");
    }
    Reply page = get("/ui/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.text()).contains("<script type=\"module\" src=\"/ui/js/main.js\">");
  }

  @Test
  void everyAssetComesFromAgpWithAStrictContentSecurityPolicy() {
    for (String path :
        new String[] {
          "/ui/", "/ui/console.css", "/ui/js/main.js", "/ui/js/api.js", "/ui/js/sql.js"
        }) {
      Reply reply = get(path);
      assertThat(reply.status()).as(path).isEqualTo(200);
      String policy = reply.header("Content-Security-Policy");
      assertThat(policy).as(path).contains("default-src 'self'", "script-src 'self'");
      assertThat(policy).as(path).contains("style-src 'self'", "frame-ancestors 'none'");
      assertThat(policy).as(path).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
      assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(reply.header("Referrer-Policy")).isEqualTo("no-referrer");
    }
    assertThat(get("/ui/js/main.js").header("Content-Type")).startsWith("text/javascript");
  }

  @Test
  void thePageHasNoInlineScriptOrStyleAndNamesNoOtherHost() {
    String page = get("/ui/").text();
    assertThat(page).doesNotContain("<style", "style=", "onclick=", "<script>", "javascript:");
    assertThat(page).doesNotContainPattern("(src|href)=\"(https?:)?//");
  }

  @Test
  void theApisAnswersKeepTheirHeaders() {
    Reply list = get("/v1/async/executions");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.header("Content-Security-Policy")).isNull();
  }

  @Test
  void theConfigurationTellsWhetherUsersSignInWithAnIdentityProvider() {
    assertThat(get("/ui/config.json").text()).isEqualTo("{\"oidc\":null}");

    TestApi withLogin =
        TestApi.start(
            "--agp.api.ui.oidc.issuer=https://id.example.com/realms/agp",
            "--agp.api.ui.oidc.client-id=agp-console");
    try {
      Reply config =
          withLogin.client.sendUnchecked("/ui/config.json", HttpRequest.newBuilder().GET());
      assertThat(config.json().get("oidc").toString())
          .isEqualTo(
              "{\"issuer\":\"https://id.example.com/realms/agp\",\"client_id\":\"agp-console\","
                  + "\"scopes\":\"openid\",\"token\":\"access\"}");
      // The page may reach the provider's origin, and no other.
      assertThat(config.header("Content-Security-Policy"))
          .contains("connect-src 'self' https://id.example.com;");
    } finally {
      withLogin.context.close();
    }
  }

  @Test
  void anIssuerWithoutAClientIdDoesNotStart() {
    assertThatThrownBy(() -> TestApi.start("--agp.api.ui.oidc.issuer=https://id.example.com"))
        .hasStackTraceContaining("agp.api.ui.oidc.client-id");
  }
}
