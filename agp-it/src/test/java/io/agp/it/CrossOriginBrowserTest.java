package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * A dashboard page served from another origin (another port of 127.0.0.1; AGP answers on
 * localhost) in headless Chromium, with AGP's CORS listing that origin: it creates an execution
 * with {@code fetch} and a bearer token, follows it with an {@code EventSource} and a minted
 * token, and queries the ClickHouse proxy with the official browser client ({@code
 * @clickhouse/client-web}, pinned in {@code src/test/js-web/package-lock.json}, bundled with
 * esbuild). The same page served from an origin that is not listed gets nothing: the browser
 * refuses every call, and nothing is created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossOriginBrowserTest {

  private static final String SECRET = "the token secret of the CORS browser test, 32+";
  private static final Path SOURCES = Path.of("src/test/js-web");
  private static final Path INSTALLED = Path.of("target/js-web");

  private final HttpServer listed;
  private final HttpServer unlisted;
  private final AgpStack stack;
  private final Browser browser;
  private final String token = token("dashboard-user");

  CrossOriginBrowserTest() throws Exception {
    bundleTheWebClient();
    listed = pageServer();
    unlisted = pageServer();
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-cors-results").toUri().toString(),
                "agp.api.auth.mode",
                "jwt",
                "agp.api.auth.jwt-secret",
                SECRET,
                "agp.api.cors.allowed-origins",
                origin(listed),
                "agp.tiers.default.clickhouse.url",
                ClickHouseTestServer.shared().httpUrl().toString()));
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
    listed.stop(0);
    unlisted.stop(0);
  }

  private static String token(String user) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .subject(user)
              .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
              .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Installs the pinned client and bundles it into one ES module the page loads. */
  private static void bundleTheWebClient() throws Exception {
    Files.createDirectories(INSTALLED);
    for (String file : List.of("package.json", "package-lock.json", "entry.mjs", "page.html")) {
      Files.copy(
          SOURCES.resolve(file), INSTALLED.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(INSTALLED.resolve("node_modules/@clickhouse/client-web"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
    }
    run(
        List.of(
            "node_modules/.bin/esbuild",
            "entry.mjs",
            "--bundle",
            "--format=esm",
            "--log-level=warning",
            "--outfile=client-web.js"),
        60);
  }

  private static void run(List<String> command, int seconds) throws Exception {
    Process process =
        new ProcessBuilder(command).directory(INSTALLED.toFile()).redirectErrorStream(true).start();
    byte[] output;
    try (var in = process.getInputStream()) {
      output = in.readAllBytes();
    }
    if (!process.waitFor(seconds, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(
          command + " failed:\n" + new String(output, StandardCharsets.UTF_8));
    }
  }

  /** A static server of the page and the bundle on a port of its own: an origin of its own. */
  private static HttpServer pageServer() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String name = exchange.getRequestURI().getPath().substring(1);
          Path file = INSTALLED.resolve(name).normalize();
          if (!List.of("page.html", "client-web.js").contains(name) || !Files.exists(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          byte[] body = Files.readAllBytes(file);
          exchange
              .getResponseHeaders()
              .set("Content-Type", name.endsWith(".js") ? "text/javascript" : "text/html");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return server;
  }

  private static String origin(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void openPage(HttpServer server) {
    String agp = stack.apiUrl("").toString();
    browser.open(
        URI.create(
            origin(server)
                + "/page.html#"
                + URLEncoder.encode(agp + "|" + token, StandardCharsets.UTF_8)
                    .replace("+", "%20")));
    browser.await(20, d -> ((JavascriptExecutor) d).executeScript("return window.pageReady"));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> call(String function, Object argument) {
    return (Map<String, Object>)
        ((JavascriptExecutor) browser.driver)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + " window[arguments[0]](arguments[1]).then(done, e => done({error: String(e)}));",
                function,
                argument);
  }

  /** How many executions of this SQL text the user has, asked without a browser. */
  private int executionsOf(String label) throws Exception {
    HttpResponse<String> list =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(stack.apiUrl("/v1/async/executions?limit=100"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(list.statusCode()).isEqualTo(200);
    return list.body().split(label, -1).length - 1;
  }

  @Test
  void aPageOfAListedOriginCreatesFollowsAndQueriesThroughTheProxy() throws Exception {
    openPage(listed);
    String label = "cors " + UUID.randomUUID();

    Map<String, Object> created = call("createAndWait", "SELECT '" + label + "' AS label");
    assertThat(created).doesNotContainKey("error");
    assertThat(created.get("status")).isEqualTo(201L);
    assertThat(created.get("execution")).isEqualTo("SUCCEEDED");
    // An exposed header: without it the page would read null.
    assertThat((String) created.get("location")).startsWith("/v1/async/executions/");

    Map<String, Object> events = call("followEvents", created.get("id"));
    assertThat(events).containsEntry("status", "SUCCEEDED");

    Map<String, Object> proxy =
        call("proxyQuery", "SELECT number, toString(number) AS s FROM numbers(3)");
    assertThat(proxy).doesNotContainKey("error");
    assertThat(proxy.get("rows").toString())
        .isEqualTo("[{number=0, s=0}, {number=1, s=1}, {number=2, s=2}]");
    browser.screenshot("cors-listed-origin");
    assertThat(executionsOf(label)).isEqualTo(1);
  }

  @Test
  void aPageOfAnOriginNotListedIsRefusedByTheBrowser() throws Exception {
    openPage(unlisted);
    String label = "refused " + UUID.randomUUID();

    Map<String, Object> created = call("createAndWait", "SELECT '" + label + "' AS label");
    assertThat((String) created.get("error")).startsWith("TypeError: Failed to fetch");
    Map<String, Object> events = call("followEvents", 1L);
    assertThat((String) events.get("error")).startsWith("TypeError: Failed to fetch");
    Map<String, Object> proxy = call("proxyQuery", "SELECT 1");
    assertThat((String) proxy.get("error")).contains("Failed to fetch");
    browser.screenshot("cors-unlisted-origin");

    List<String> console =
        browser.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .map(LogEntry::getMessage)
            .toList();
    assertThat(console)
        .anySatisfy(message -> assertThat(message).contains("blocked by CORS policy"));
    // The preflight was refused: the create itself was never sent.
    assertThat(executionsOf(label)).isZero();
  }
}
