package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The example dashboard of {@code examples/dashboard.html}, served from another origin than AGP
 * (another port), in headless Chromium against AGP in JWT mode: with its origin listed for CORS it
 * creates a query, follows it, pages its rows and draws them; from an origin AGP does not list, the
 * browser refuses the calls and the page says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardExampleBrowserTest {

  private static final String SECRET = "the token secret of the dashboard tests, 32+ bytes";
  private static final Path EXAMPLES =
      Path.of(System.getProperty("user.dir")).getParent().resolve("examples");

  private final HttpServer listed;
  private final HttpServer unlisted;
  private final AgpStack stack;
  private final Browser browser;

  DashboardExampleBrowserTest() throws Exception {
    listed = serveExamples();
    unlisted = serveExamples();
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-dashboard-results").toUri().toString(),
                "agp.api.auth.mode",
                "jwt",
                "agp.api.auth.jwt-secret",
                SECRET,
                "agp.api.cors.allowed-origins",
                origin(listed)));
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
    listed.stop(0);
    unlisted.stop(0);
  }

  private static HttpServer serveExamples() {
    HttpServer server =
        SimpleFileServer.createFileServer(
            new InetSocketAddress("127.0.0.1", 0),
            EXAMPLES.toAbsolutePath(),
            SimpleFileServer.OutputLevel.NONE);
    server.start();
    return server;
  }

  private static String origin(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
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

  private void openFrom(HttpServer server, String user, String sql) throws Exception {
    browser.open(
        URI.create(
            origin(server)
                + "/dashboard.html?agp="
                + stack.apiUrl("").toString().replaceAll("/$", "")));
    browser.await(10, d -> browser.find("#run").isDisplayed());
    browser.find("#token").clear();
    browser.find("#token").sendKeys(token(user));
    browser.find("#sql").clear();
    browser.find("#sql").sendKeys(sql);
    browser.find("#max-age").clear();
    browser.find("#max-age").sendKeys("0");
    browser.find("#run").click();
  }

  private List<String> cells(String css) {
    return browser.all(css).stream().map(WebElement::getText).toList();
  }

  @Test
  void aPageOnAListedOriginRunsAQueryFollowsItAndPagesItsRows() throws Exception {
    // Long enough that the page follows the events: wait=5 of the create ends first.
    openFrom(
        listed,
        "alice",
        "SELECT toString(number) AS day, number * 10 AS hits FROM numbers(250)"
            + " WHERE sleepEachRow(0.025) = 0 SETTINGS max_block_size = 10");

    browser.await(40, d -> browser.find("#page").getText().startsWith("rows 1–100 of 250"));
    assertThat(browser.find("#status").getText()).startsWith("SUCCEEDED · example dashboard");
    assertThat(browser.find("#error").getText()).isEmpty();
    assertThat(cells("#rows thead th")).containsExactly("day", "hits");
    assertThat(cells("#rows tbody tr:nth-child(3) td")).containsExactly("2", "20");
    assertThat(browser.all("#chart rect")).hasSize(100);
    browser.screenshot("dashboard-example-first-page");

    browser.find("#next").click();
    browser.await(10, d -> browser.find("#page").getText().startsWith("rows 101–200 of 250"));
    assertThat(cells("#rows tbody tr:first-child td")).containsExactly("100", "1000");
    browser.find("#next").click();
    browser.await(10, d -> browser.find("#page").getText().startsWith("rows 201–250 of 250"));
    assertThat(browser.find("#next").isEnabled()).isFalse();
    browser.find("#previous").click();
    browser.await(10, d -> browser.find("#page").getText().startsWith("rows 101–200 of 250"));
    browser.screenshot("dashboard-example-second-page");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @Test
  void aPageOnAnOriginAgpDoesNotListIsRefusedByTheBrowserAndSaysWhy() throws Exception {
    openFrom(unlisted, "alice", "SELECT 1 AS day, 2 AS hits");

    String error = browser.textOf("#error", 15);
    assertThat(error)
        .contains("could not be reached", origin(unlisted), "agp.api.cors.allowed-origins");
    assertThat(browser.all("#rows tbody tr")).isEmpty();
    // The browser's console names the refusal, and the page's own message follows it.
    List<String> logged =
        browser.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .map(LogEntry::getMessage)
            .toList();
    assertThat(logged).anySatisfy(line -> assertThat(line).contains("CORS"));
    assertThat(logged)
        .anySatisfy(line -> assertThat(line).contains("AGP example dashboard: AGP could not"));
    browser.screenshot("dashboard-example-unlisted-origin");
  }
}
