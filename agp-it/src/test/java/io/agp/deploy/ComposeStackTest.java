package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docker-compose.yml}, executed rather than parsed: the API, worker and bookkeeper start as
 * separate processes with exactly the environment and mounted configuration Compose gives their
 * containers, the Compose host names mapped to this test's own PostgreSQL, ClickHouse and S3
 * servers (which take the stack's credentials), and the README's API tour runs against them. Every
 * environment variable and every key of the mounted configuration must be one an app binds: a typo
 * in either fails the test, which {@link #aTypoInAnEnvironmentVariableOrAConfigKeyIsFound} shows.
 *
 * <p>What is mapped, and only that: the host names {@code postgres}, {@code clickhouse} and {@code
 * minio} to the test servers' addresses; {@code /config/agp.yaml} to the host file the volume
 * mounts (with the same host names mapped); each app's {@code SERVER_PORT} to a free port (the
 * containers have a network each; here they share one); and {@code
 * AGP_RESULTS_S3_CHECKSUMS_WHEN_REQUIRED}, since S3Proxy, which stands in for MinIO, refuses the S3
 * SDK's default checksums that MinIO takes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeStackTest {

  private static final List<String> APPS = List.of("agp-bookkeeper", "agp-worker", "agp-api");

  private final S3TestServer s3;
  private final Map<String, Object> mountedConfig;
  private final DeployedApps apps;

  ComposeStackTest() throws Exception {
    Map<String, Object> services = services();
    Map<String, String> hosts = new LinkedHashMap<>();
    Map<String, String> database = environment(services.get("postgres"));
    PostgresTestServer postgres = PostgresTestServer.shared();
    DeployedApps.createDatabase(
        postgres,
        database.get("POSTGRES_USER"),
        database.get("POSTGRES_PASSWORD"),
        database.get("POSTGRES_DB"));
    hosts.put("postgres:5432", "127.0.0.1:" + postgres.port());
    hosts.put("clickhouse:8123", "127.0.0.1:" + ClickHouseTestServer.shared().httpPort());
    Map<String, String> minio = environment(services.get("minio"));
    s3 =
        S3TestServer.startWithCredentials(
            minio.get("MINIO_ROOT_USER"), minio.get("MINIO_ROOT_PASSWORD"));
    s3.createBucket("agp-results");
    hosts.put("minio:9000", s3.endpoint().getAuthority());

    Path config = null;
    Map<String, Object> read = null;
    List<DeployedApps.App> started = new ArrayList<>();
    for (String app : APPS) {
      Map<String, String> env = new LinkedHashMap<>(environment(services.get(app)));
      for (String volume : volumes(services.get(app))) {
        // host:container[:mode], as docker-compose config resolves them (absolute host paths).
        String[] parts = volume.split(":");
        if (config == null) {
          String text = DeployedApps.mapped(Files.readString(Path.of(parts[0])), hosts);
          config = Files.createTempFile("compose-agp", ".yaml");
          Files.writeString(config, text);
          read = new Yaml().load(text);
        }
        Path file = config;
        env.replaceAll((name, value) -> value.replace(parts[1], file.toString()));
      }
      env.replaceAll((name, value) -> DeployedApps.mapped(value, hosts));
      int port = DeployedApps.freePort();
      env.put("SERVER_PORT", Integer.toString(port));
      started.add(new DeployedApps.App(app, env, port, port));
    }
    mountedConfig = read;
    apps = DeployedApps.start(started, Map.of("AGP_RESULTS_S3_CHECKSUMS_WHEN_REQUIRED", "true"));
  }

  @AfterAll
  void stop() throws InterruptedException {
    apps.close();
    s3.close();
  }

  @Test
  void theReadmesTourRunsAgainstTheStackAsComposeConfiguresIt() throws Exception {
    DeployedApps.App api = apps.apps().getLast();
    URI url = URI.create("http://127.0.0.1:" + api.port());
    DeployedApps.runTour(url, null);
    // The tour's results are small enough to be kept in their rows; this one is not.
    HttpResponse<String> large =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(url.resolve("/v1/async/executions?wait=30&format=CSV"))
                    .header("Content-Type", "text/plain")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "SELECT number FROM system.numbers LIMIT 20000"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(large.body()).contains("\"SUCCEEDED\"");
    assertThat(s3.keys("agp-results")).as("results stored in the stack's bucket").isNotEmpty();
  }

  @Test
  void everyVariableAndConfigKeyOfTheStackIsOneAnAppBinds() throws Exception {
    apps.checkBindings(mountedConfig, "deploy/compose/agp.yaml");
  }

  @Test
  void aTypoInAnEnvironmentVariableOrAConfigKeyIsFound() throws Exception {
    Map<String, Set<String>> bound = apps.boundProperties();
    Set<String> env = new LinkedHashSet<>(apps.apps().get(1).environment().keySet());
    env.remove("AGP_TIERS_VIP_CLICKHOUSE_PASSWORD");
    env.add("AGP_TIERS_VIP_CLICKHOUSE_PASSWROD");
    assertThat(DeployedApps.unbound(env, bound.get("agp-worker")))
        .containsExactly("AGP_TIERS_VIP_CLICKHOUSE_PASSWROD");
    Set<String> keys = new LinkedHashSet<>(DeployedApps.configKeys(mountedConfig));
    keys.add("agp.tiers.default.max-run-tme");
    assertThat(DeployedApps.unbound(keys, DeployedApps.anyApp(bound)))
        .containsExactly("agp.tiers.default.max-run-tme");
  }

  /** The services as docker-compose itself reads the file (anchors merged, paths absolute). */
  private static Map<String, Object> services() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config")
            .directory(DeployedApps.ROOT.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    Map<String, Object> config = new Yaml().load(output);
    return cast(config.get("services"));
  }

  private static Map<String, String> environment(Object service) {
    Map<String, Object> env = cast(((Map<?, ?>) service).get("environment"));
    Map<String, String> strings = new LinkedHashMap<>();
    env.forEach((name, value) -> strings.put(name, String.valueOf(value)));
    return strings;
  }

  private static List<String> volumes(Object service) {
    List<Object> volumes = cast(((Map<?, ?>) service).get("volumes"));
    List<String> binds = new ArrayList<>();
    if (volumes != null) {
      for (Object volume : volumes) {
        if (volume instanceof Map<?, ?> longForm) {
          binds.add(longForm.get("source") + ":" + longForm.get("target"));
        } else {
          binds.add(String.valueOf(volume));
        }
      }
    }
    return binds;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }
}
