package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
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
  private static final char[] PASSWORD = "agp-test".toCharArray();

  private SSLContext serverContext;
  private SSLContext trustingClient;
  private SSLServerSocket server;
  private CompletableFuture<String> request;

  @BeforeAll
  void makeCertificate() throws Exception {
    Path keystore = Files.createTempDirectory("agp-tls").resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as("keytool: %s", output).isZero();

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keyManagers.getKeyManagers(), null, null);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", keys.getCertificate("server"));
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trustManagers.getTrustManagers(), null);
    trustingClient = clientContext;
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
