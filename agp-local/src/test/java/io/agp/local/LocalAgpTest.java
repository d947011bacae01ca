package io.agp.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The local mode runs without authentication, every caller an admin: it must answer this machine
 * only, and keep its secrets (signed links, callbacks) across restarts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalAgpTest {

  private final Path data = Files.createTempDirectory("agp-local-test");
  private final LocalAgp agp = LocalAgp.start("--data=" + data, "--port=0");

  LocalAgpTest() throws IOException {}

  @AfterAll
  void stop() {
    agp.close();
  }

  @Test
  void answersOnTheLoopbackInterfaceOnly() throws Exception {
    HttpResponse<String> local =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + agp.apiPort() + "/actuator/health/readiness"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(local.statusCode()).isEqualTo(200);

    Optional<InetAddress> external = externalAddress();
    assumeTrue(external.isPresent(), "this machine has no address but loopback");
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(external.get(), agp.apiPort()), 2000);
              }
            })
        .isInstanceOf(IOException.class);
  }

  @Test
  void keepsItsLinkSecretInTheDataFolder() throws Exception {
    String secret = Files.readString(data.resolve("link-secret")).strip();

    assertThat(secret.length()).isGreaterThanOrEqualTo(43);
  }

  @Test
  void signsCallbacksWithASecretOfTheDataFolder() throws Exception {
    String secret = Files.readString(data.resolve("callback-secret")).strip();

    assertThat(secret.length()).isGreaterThanOrEqualTo(43);
    assertThat(secret).isNotEqualTo(Files.readString(data.resolve("link-secret")).strip());
  }

  private static Optional<InetAddress> externalAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(
            i -> {
              try {
                return i.isUp() && !i.isLoopback();
              } catch (SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
        .findFirst();
  }
}
