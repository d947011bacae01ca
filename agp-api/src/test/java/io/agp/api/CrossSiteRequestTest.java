package io.agp.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Without authentication (one trusted person, local use), a web page of another site that person
 * visits must not be able to make their AGP run SQL or cancel: the browser says where a request
 * comes from, and the API refuses those from other sites.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossSiteRequestTest {

  // The former name of agp.api.cors.allowed-origins, still read.
  private final TestApi api = TestApi.start("--agp.api.allowed-origins=https://dash.example.com");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  private Reply post(String path, String sql, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder()
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(sql));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.sendUnchecked(path, request);
  }

  private long count() {
    return api.jdbc().sql("select count(*) from executions").query(Long.class).single();
  }

  @Test
  void aSimpleRequestFromAPageOfAnotherSiteCreatesNothing() {
    long before = count();
    String sql = "SELECT 'csrf " + UUID.randomUUID() + "'";

    for (String[] headers :
        new String[][] {
          {"Origin", "https://evil.example"},
          {"Origin", "null"},
          {"Sec-Fetch-Site", "cross-site"},
          {"Sec-Fetch-Site", "same-site", "Origin", "http://localhost:3000"},
          {"Sec-Fetch-Site", "cross-site", "Origin", "http://localhost"}
        }) {
      Reply reply = post("/v1/async/executions", sql, headers);
      assertThat(reply.status()).as(String.join(" ", headers)).isEqualTo(403);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    }
    assertThat(count()).isEqualTo(before);
  }

  @Test
  void aCancelFromAPageOfAnotherSiteIsRefused() {
    long id = client.postSql("/v1/async/executions", "SELECT 'victim'").json().get("id").asLong();

    Reply refused =
        client.sendUnchecked(
            "/v1/async/executions/" + id + "/cancel",
            HttpRequest.newBuilder()
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(refused.status()).isEqualTo(403);
    assertThat(api.repository().get(id).orElseThrow().status().name()).isEqualTo("PENDING");
  }

  @Test
  void requestsOfTheSameOriginOfAnAllowedOneAndOfClientsThatAreNoBrowsersPass() {
    String sql = "SELECT 'fine " + UUID.randomUUID() + "'";

    assertThat(post("/v1/async/executions", sql + 1, "Sec-Fetch-Site", "same-origin").status())
        .isEqualTo(201);
    assertThat(post("/v1/async/executions", sql + 2, "Sec-Fetch-Site", "none").status())
        .isEqualTo(201);
    int port = api.url("/").getPort();
    assertThat(post("/v1/async/executions", sql + 3, "Origin", "http://localhost:" + port).status())
        .isEqualTo(201);
    assertThat(
            post(
                    "/v1/async/executions",
                    sql + 4,
                    "Sec-Fetch-Site",
                    "cross-site",
                    "Origin",
                    "https://dash.example.com")
                .status())
        .isEqualTo(201);
    assertThat(post("/v1/async/executions", sql + 5).status()).isEqualTo(201);
    // Reading is not changing: a page elsewhere cannot read the answer anyway (no CORS headers).
    assertThat(
            client
                .sendUnchecked(
                    "/v1/async/executions",
                    HttpRequest.newBuilder().header("Sec-Fetch-Site", "cross-site").GET())
                .status())
        .isEqualTo(200);
  }

  /**
   * A preflight is answered before the host and cross-site checks: a browser sends it without
   * credentials and with the page's origin, and it changes nothing.
   */
  @Test
  void aPreflightOfAListedOriginIsAnsweredBeforeTheHostAndCrossSiteChecks() throws Exception {
    URI url = api.url("/v1/async/executions");
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket
          .getOutputStream()
          .write(
              ("OPTIONS /v1/async/executions HTTP/1.1\r\n"
                      + "Host: agp.not-listed.example\r\n"
                      + "Origin: https://dash.example.com\r\n"
                      + "Sec-Fetch-Site: cross-site\r\n"
                      + "Access-Control-Request-Method: POST\r\n"
                      + "Access-Control-Request-Headers: content-type\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(answer)
          .containsIgnoringCase("Access-Control-Allow-Origin: https://dash.example.com");
    }
    // The same Host on the actual request is refused: the preflight opened no way around it.
    try (RawDownload reply = RawDownload.openAs(url, "agp.not-listed.example")) {
      assertThat(reply.status()).isEqualTo(403);
    }
  }

  @Test
  void everyOriginIsRefusedAtStartWithoutAuthentication() {
    assertThatThrownBy(() -> TestApi.start("--agp.api.cors.allowed-origins=https://a.example,*"))
        .hasStackTraceContaining("agp.api.auth.mode is none");
  }
}
