package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console with JWT authentication: the page loads without a token, asks for one, and with a
 * user's pasted token shows that user's executions only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleJwtBrowserTest {

  private static final String SECRET = "the token secret of the console tests, 32+ bytes";

  private final FakeIdentityProvider provider;
  private final AgpStack stack;
  private final Browser browser;

  ConsoleJwtBrowserTest() throws Exception {
    provider = new FakeIdentityProvider(() -> unchecked(() -> token("carol")));
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-console-jwt-results").toUri().toString(),
                "agp.api.auth.mode",
                "jwt",
                "agp.api.auth.jwt-secret",
                SECRET,
                "agp.api.ui.oidc.issuer",
                provider.issuer().toString(),
                "agp.api.ui.oidc.client-id",
                FakeIdentityProvider.CLIENT_ID));
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
    provider.close();
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  private static <T> T unchecked(Call<T> call) {
    try {
      return call.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh tab's state: no token kept from another scenario. */
  private void signedOut() {
    browser.open(stack.apiUrl("/ui/"));
    browser.driver.executeScript("sessionStorage.clear();");
    browser.open(stack.apiUrl("/ui/"));
  }

  private static String token(String user) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(user)
            .expirationTime(Date.from(Instant.now().plusSeconds(900)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private long create(String token, String sql) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(stack.apiUrl("/v1/async/executions?wait=20"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(sql))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(201);
    return JsonMapper.builder().build().readTree(response.body()).get("id").asLong();
  }

  @Test
  void aPastedTokenSeesOnlyThatUsersExecutions() throws Exception {
    String alice = token("alice");
    String run = UUID.randomUUID().toString();
    long ofAlice = create(alice, "SELECT 'alice', '" + run + "'");
    long alsoOfAlice = create(alice, "SELECT 'alice again', '" + run + "'");
    long ofBob = create(token("bob"), "SELECT 'bob', '" + run + "'");

    signedOut();
    var field = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("token")));
    assertThat(browser.find("#token-form").getText()).contains("paste a token");
    field.sendKeys(alice);
    browser.find("#token-form button[type=submit]").click();

    browser.await(10, d -> browser.all("#executions tr").size() >= 2);
    assertThat(browser.textOf("#who-user", 5)).isEqualTo("alice");
    List<String> ids =
        ((List<?>)
                browser.driver.executeScript(
                    "return [...document.querySelectorAll('#executions tr')].map(r => r.dataset.id);"))
            .stream().map(String::valueOf).toList();
    assertThat(ids).containsExactly(String.valueOf(alsoOfAlice), String.valueOf(ofAlice));
    assertThat(ids).doesNotContain(String.valueOf(ofBob));
    // Not an admin: no queues, no user filter.
    assertThat(browser.find("a[href='#/queues']").isDisplayed()).isFalse();
    assertThat(browser.all("#f-created_by")).isEmpty();
    browser.screenshot("jwt-token-user-list");

    // Another user's execution is not found, as the API says.
    browser.open(stack.apiUrl("/ui/#/executions/" + ofBob));
    assertThat(browser.textOf("#status .problem", 10)).contains("Not Found");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @Test
  void signsInWithTheIdentityProviderAndSeesThatUsersExecutions() throws Exception {
    long ofCarol = create(token("carol"), "SELECT 'carol', '" + UUID.randomUUID() + "'");

    signedOut();
    var signIn = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("oidc-sign-in")));
    browser.screenshot("oidc-sign-in");
    signIn.click();

    // To the provider and back with a code, exchanged for a token with the PKCE verifier.
    browser.await(15, d -> "carol".equals(whoIsSignedIn()));
    browser.await(10, d -> !browser.all("#executions tr[data-id='" + ofCarol + "']").isEmpty());
    assertThat(browser.driver.getCurrentUrl()).doesNotContain("code=");
    browser.screenshot("oidc-signed-in");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  private String whoIsSignedIn() {
    var user = browser.all("#who-user");
    return user.isEmpty() ? null : user.getFirst().getText();
  }
}
