package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.testkit.TestCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link ClickHouseHttp} over https, against a TLS server whose certificate, made for this test by
 * the JDK's keytool, names {@code localhost} only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClickHouseHttpTlsTest {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private SSLContext serverContext;
  private SSLContext trustingClient;
  private SSLServerSocket server;
  private CompletableFuture<String> request;

  @BeforeAll
  void makeCertificate() throws Exception {
    TestCertificate certificate = TestCertificate.forHost("localhost");
    serverContext = certificate.server();
    trustingClient = certificate.trustingClient();
  }

  @AfterAll
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void streamsAChunkedAnswerOverTlsFromAServerItTrusts() throws Exception {
    byte[] data = new byte[300_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ('a' + i % 26);
    }
    int port = serve(ClickHouseHttpTest.chunkedBytes(data, 4096));

    ClickHouseHttp.Exchange response;
    try (ClickHouseHttp http =
        new ClickHouseHttp("tls", CONNECT_TIMEOUT, Duration.ZERO, trustingClient)) {
      response =
          http.stream(
              URI.create("https://localhost:" + port + "/?query_id=q1"),
              Map.of("X-ClickHouse-User", "default"),
              "SELECT 1".getBytes(StandardCharsets.UTF_8));

      assertThat(response.status()).isEqualTo(200);
      try (InputStream body = response.body()) {
        assertThat(body.readAllBytes()).isEqualTo(data);
      }
    }
    String sent = request.get(10, TimeUnit.SECONDS);
    assertThat(sent).startsWith("POST /?query_id=q1 HTTP/1.1\r\n").endsWith("SELECT 1");
    assertThat(sent).contains("Host: localhost:" + port + "\r\n");
  }

  @Test
  void refusesACertificateThatDoesNotNameTheHost() throws Exception {
    // The certificate names localhost, not 127.0.0.1: trusted, but not for this address.
    int port = serve(ClickHouseHttpTest.chunkedBytes(new byte[] {'x'}, 1));

    try (ClickHouseHttp http =
        new ClickHouseHttp("tls", CONNECT_TIMEOUT, Duration.ZERO, trustingClient)) {
      assertThatThrownBy(
              () ->
                  http.stream(URI.create("https://127.0.0.1:" + port + "/"), Map.of(), new byte[0]))
          .isInstanceOf(SSLException.class);
    }
  }

  @Test
  void refusesACertificateOutsideTheJvmTrustStore() throws Exception {
    int port = serve(ClickHouseHttpTest.chunkedBytes(new byte[] {'x'}, 1));

    try (ClickHouseHttp http = new ClickHouseHttp("tls", CONNECT_TIMEOUT, Duration.ZERO, null)) {
      assertThatThrownBy(
              () ->
                  http.stream(URI.create("https://localhost:" + port + "/"), Map.of(), new byte[0]))
          .isInstanceOf(SSLException.class);
    }
  }

  /** Answers one TLS connection with the bytes, then closes it; returns the port. */
  private int serve(byte[] response) throws IOException {
    if (server != null) {
      server.close();
    }
    server =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    SSLServerSocket listening = server;
    CompletableFuture<String> sent = new CompletableFuture<>();
    request = sent;
    Thread.ofVirtual()
        .start(
            () -> {
              try (Socket socket = listening.accept()) {
                sent.complete(ClickHouseHttpTest.readRequest(socket.getInputStream()));
                OutputStream out = socket.getOutputStream();
                out.write(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(response);
                out.flush();
              } catch (IOException e) {
                // A refused handshake ends here; the client's side is what the tests check.
                sent.completeExceptionally(e);
              }
            });
    return server.getLocalPort();
  }
}
