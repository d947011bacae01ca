package io.agp.local;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.awaitility.Awaitility;
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

  private static final Duration START = Duration.ofSeconds(90);

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
  void onlyItsOwnerMayReadTheSecretsIncludingOnesAnEarlierVersionLeftOpen() throws Exception {
    for (String name : List.of("link-secret", "callback-secret")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(name))))
          .as(name)
          .isEqualTo("rw-------");
    }
    Path older = Files.createTempDirectory("agp-local-older");
    Files.writeString(older.resolve("jwt-secret"), "a secret an earlier version wrote, 32+ bytes");
    Files.setPosixFilePermissions(
        older.resolve("jwt-secret"), PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(LocalAgp.secret(older, "jwt-secret")).startsWith("a secret an earlier");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(older.resolve("jwt-secret"))))
        .isEqualTo("rw-------");
  }

  @Test
  void signsCallbacksWithASecretOfTheDataFolder() throws Exception {
    String secret = Files.readString(data.resolve("callback-secret")).strip();

    assertThat(secret.length()).isGreaterThanOrEqualTo(43);
    assertThat(secret).isNotEqualTo(Files.readString(data.resolve("link-secret")).strip());
  }

  private static final Path REPOSITORY = Path.of(System.getProperty("user.dir")).getParent();

  @Test
  void theApiTourRunsAsWrittenAgainstTheLocalMode() throws Exception {
    Path output = Files.createTempFile("api-tour", ".txt");
    ProcessBuilder tour =
        new ProcessBuilder("bash", "docs/api-tour.sh")
            .directory(REPOSITORY.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    tour.environment().put("AGP", "http://127.0.0.1:" + agp.apiPort());
    Process process = tour.start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the tour ends").isTrue();
    String printed = Files.readString(output);
    assertThat(process.exitValue()).as(printed).isZero();
    assertThat(printed).endsWith("the tour went as promised\n");
  }

  @Test
  void theApiGuideHoldsTheTourAsWritten() throws IOException {
    String readme = Files.readString(REPOSITORY.resolve("docs/api.md"));
    String begins = "<!-- api-tour.sh begins -->\n```sh\n";
    String copy =
        readme.substring(
            readme.indexOf(begins) + begins.length(),
            readme.indexOf("```\n<!-- api-tour.sh ends -->"));
    assertThat(copy).isEqualTo(Files.readString(REPOSITORY.resolve("docs/api-tour.sh")));
  }

  @Test
  void aSecondRunOnTheSameDataFolderIsRefusedWithOneLine() {
    assertThatThrownBy(() -> LocalAgp.start("--data=" + data, "--port=0"))
        .isInstanceOf(CannotStartException.class)
        .hasMessageContaining("is in use by another AGP")
        .hasMessageContaining("--data=DIR");
  }

  @Test
  void theBannerNamesEveryAppsActuator() throws Exception {
    String banner = agp.banner();
    Matcher actuators =
        Pattern.compile("worker (http://\\S+/actuator), bookkeeper (http://\\S+/actuator)")
            .matcher(banner);
    assertThat(actuators.find()).as(banner).isTrue();
    for (String actuator : List.of(actuators.group(1), actuators.group(2))) {
      assertThat(get(URI.create(actuator + "/health"), null).statusCode()).isEqualTo(200);
    }
    assertThat(banner).contains("/v1/sync/run", "/v1/chproxy/", "/v1/async/docs/");
  }

  @Test
  void jwtModeTakesATokenMadeByTheTokenCommand() throws Exception {
    Path jwtData = Files.createTempDirectory("agp-local-jwt");
    try (LocalAgp secured = LocalAgp.start("--data=" + jwtData, "--port=0", "--jwt")) {
      URI executions =
          URI.create("http://127.0.0.1:" + secured.apiPort() + "/v1/async/executions?limit=1");
      assertThat(get(executions, null).statusCode()).isEqualTo(401);
      PrintStream out = System.out;
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      int status;
      try {
        status = LocalAgp.printToken(new String[] {"alice", "--data=" + jwtData});
      } finally {
        System.setOut(out);
      }
      assertThat(status).isZero();
      String token = printed.toString(StandardCharsets.UTF_8).strip();
      assertThat(get(executions, token).statusCode()).isEqualTo(200);
      assertThat(secured.banner()).contains("token alice");
    }
  }

  @Test
  void aTakenPortEndsTheRunWithOneLineAndStatus2() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Run run = launch(Map.of(), "--port=" + taken.getLocalPort());
      assertThat(run.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(run.process.exitValue()).isEqualTo(2);
      assertThat(run.output().strip())
          .isEqualTo(
              "agp-local: port "
                  + taken.getLocalPort()
                  + " on 127.0.0.1 is in use: stop what uses it, or choose another with --port=N");
    }
  }

  @Test
  void noClickHouseServerEndsTheRunWithOneLineAndStatus2() throws Exception {
    Run run = launch(Map.of("AGP_CLICKHOUSE_SERVER", "/nonexistent/clickhouse-server"), "--port=0");
    assertThat(run.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.process.exitValue()).isEqualTo(2);
    assertThat(run.output().strip().lines().toList())
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .startsWith("agp-local: cannot start ClickHouse:")
        .contains("--clickhouse=URL");
  }

  @Test
  void sigtermStopsEveryPartCleanlyAndEachLogLineNamesItsApp() throws Exception {
    Run run = launch(Map.of(), "--port=0");
    Awaitility.await().atMost(START).until(() -> run.output().contains("AGP is running"));
    List<ProcessHandle> children = run.process.descendants().toList();
    assertThat(children).as("PostgreSQL and ClickHouse, started by the run").isNotEmpty();
    String started = run.output();
    assertThat(started).contains("[agp-api]", "[agp-worker]", "[agp-bookkeeper]");

    run.process.destroy();
    assertThat(run.process.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    String stopping = run.output().substring(started.length());
    assertThat(stopping).doesNotContain("Exception").doesNotContain(" ERROR ");
    assertThat(children).noneMatch(ProcessHandle::isAlive);
  }

  /** The local mode as its own process, as a person starts it; its output in a file. */
  private record Run(Process process, Path log) {
    String output() throws IOException {
      return Files.readString(log);
    }
  }

  private Run launch(Map<String, String> environment, String... args) throws IOException {
    Path folder = Files.createTempDirectory("agp-local-run");
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                LocalAgp.class.getName(),
                "--data=" + folder.resolve("data")));
    command.addAll(List.of(args));
    Path log = folder.resolve("output.txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    return new Run(builder.start(), log);
  }

  private static HttpResponse<String> get(URI uri, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
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
