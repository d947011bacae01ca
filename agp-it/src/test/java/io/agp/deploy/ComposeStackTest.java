package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.AppProcess;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
 * SDK's default checksums that MinIO takes. The configprops actuator is opened for the check
 * ({@code MANAGEMENT_*}), and the Dockerfile's {@code AGP_APP} picks the app's main class as its
 * entrypoint picks the jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeStackTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final List<String> APPS = List.of("agp-bookkeeper", "agp-worker", "agp-api");
  private static final Map<String, String> MAIN_CLASSES =
      Map.of(
          "api", "io.agp.api.ApiApplication",
          "worker", "io.agp.worker.WorkerApplication",
          "bookkeeper", "io.agp.bookkeeper.BookkeeperApplication");

  /** Read before an app binds anything: the Dockerfile's, and where Spring finds more config. */
  private static final Set<String> BOOT_VARIABLES =
      Set.of("AGP_APP", "SPRING_CONFIG_ADDITIONAL_LOCATION");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final S3TestServer s3;
  private final Map<String, Map<String, String>> environments = new LinkedHashMap<>();
  private final Map<String, AppProcess> processes = new LinkedHashMap<>();
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final Map<String, Object> mountedConfig;

  ComposeStackTest() throws Exception {
    Map<String, Object> services = ComposeFile.services(ROOT);
    Map<String, String> hosts = new LinkedHashMap<>();
    PostgresTestServer postgres = PostgresTestServer.shared();
    createComposeDatabase(postgres);
    hosts.put("postgres:5432", "127.0.0.1:" + postgres.port());
    hosts.put("clickhouse:8123", "127.0.0.1:" + ClickHouseTestServer.shared().httpPort());
    Map<String, String> minio = ComposeFile.environment(services.get("minio"));
    s3 =
        S3TestServer.startWithCredentials(
            minio.get("MINIO_ROOT_USER"), minio.get("MINIO_ROOT_PASSWORD"));
    s3.createBucket("agp-results");
    hosts.put("minio:9000", s3.endpoint().getAuthority());

    Path config = null;
    Map<String, Object> read = null;
    for (String app : APPS) {
      Map<String, Object> service = ComposeFile.cast(services.get(app));
      Map<String, String> env = new LinkedHashMap<>(ComposeFile.environment(service));
      for (String volume : ComposeFile.volumes(service)) {
        // host:container[:mode], as docker-compose config resolves them (absolute host paths).
        String[] parts = volume.split(":");
        Path host = Path.of(parts[0]);
        if (config == null) {
          String text = Files.readString(host);
          for (Map.Entry<String, String> mapping : hosts.entrySet()) {
            text = text.replace(mapping.getKey(), mapping.getValue());
          }
          config = Files.createTempFile("compose-agp", ".yaml");
          Files.writeString(config, text);
          read = new Yaml().load(text);
        }
        Path mapped = config;
        env.replaceAll((name, value) -> value.replace(parts[1], mapped.toString()));
      }
      for (Map.Entry<String, String> mapping : hosts.entrySet()) {
        env.replaceAll((name, value) -> value.replace(mapping.getKey(), mapping.getValue()));
      }
      int port = freePort();
      env.put("SERVER_PORT", Integer.toString(port));
      environments.put(app, env);
      ports.put(app, port);
    }
    mountedConfig = read;
    for (String app : APPS) {
      Map<String, String> env = new LinkedHashMap<>(environments.get(app));
      env.put("AGP_RESULTS_S3_CHECKSUMS_WHEN_REQUIRED", "true");
      env.put("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,configprops");
      env.put("MANAGEMENT_ENDPOINT_CONFIGPROPS_SHOW_VALUES", "always");
      processes.put(
          app, AppProcess.startWithEnvironment(MAIN_CLASSES.get(env.get("AGP_APP")), env));
    }
    for (AppProcess process : processes.values()) {
      process.awaitOutput("Started ", Duration.ofSeconds(120));
    }
  }

  @AfterAll
  void stop() throws InterruptedException {
    for (AppProcess process : processes.values()) {
      process.close();
    }
    s3.close();
  }

  @Test
  void theReadmesTourRunsAgainstTheStackAsComposeConfiguresIt() throws Exception {
    Path output = Files.createTempFile("compose-tour", ".txt");
    ProcessBuilder tour =
        new ProcessBuilder("bash", "docs/api-tour.sh")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    tour.environment().put("AGP", "http://127.0.0.1:" + ports.get("agp-api"));
    Process process = tour.start();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("the tour ends").isTrue();
    String printed = Files.readString(output);
    assertThat(process.exitValue()).as(printed).isZero();
    assertThat(s3.keys("agp-results")).as("results stored in the stack's bucket").isNotEmpty();
  }

  @Test
  void everyVariableAndConfigKeyOfTheStackIsOneAnAppBinds() throws Exception {
    Map<String, Set<String>> bound = boundProperties();
    for (String app : APPS) {
      assertThat(unbound(environments.get(app).keySet(), bound.get(app)))
          .as("environment variables of %s that it binds to nothing", app)
          .isEmpty();
    }
    Set<String> anyApp = new TreeSet<>();
    bound.values().forEach(anyApp::addAll);
    assertThat(unbound(configKeys(mountedConfig), anyApp))
        .as("keys of deploy/compose/agp.yaml no app binds")
        .isEmpty();
  }

  @Test
  void aTypoInAnEnvironmentVariableOrAConfigKeyIsFound() throws Exception {
    Map<String, Set<String>> bound = boundProperties();
    Set<String> env = new LinkedHashSet<>(environments.get("agp-worker").keySet());
    env.remove("AGP_TIERS_VIP_CLICKHOUSE_PASSWORD");
    env.add("AGP_TIERS_VIP_CLICKHOUSE_PASSWROD");
    assertThat(unbound(env, bound.get("agp-worker")))
        .containsExactly("AGP_TIERS_VIP_CLICKHOUSE_PASSWROD");
    Set<String> keys = new LinkedHashSet<>(configKeys(mountedConfig));
    keys.add("agp.tiers.default.max-run-tme");
    Set<String> anyApp = new TreeSet<>();
    bound.values().forEach(anyApp::addAll);
    assertThat(unbound(keys, anyApp)).containsExactly("agp.tiers.default.max-run-tme");
  }

  /**
   * The names among these (variables or dotted keys) that match no bound property. Relaxed binding
   * is matched as Spring applies it to the environment: upper case, with the separators ({@code _ .
   * -}) left out.
   */
  private static List<String> unbound(Set<String> names, Set<String> bound) {
    return names.stream()
        .filter(name -> !BOOT_VARIABLES.contains(name))
        .filter(name -> !bound.contains(canonical(name)))
        .toList();
  }

  private static String canonical(String name) {
    return name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "");
  }

  /** Each app's bound properties, from its configprops actuator, in canonical form. */
  private Map<String, Set<String>> boundProperties() throws Exception {
    Map<String, Set<String>> bound = new LinkedHashMap<>();
    HttpClient http = HttpClient.newHttpClient();
    for (String app : APPS) {
      URI uri = URI.create("http://127.0.0.1:" + ports.get(app) + "/actuator/configprops");
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(app + " configprops").isEqualTo(200);
      Set<String> names = new TreeSet<>();
      for (JsonNode context : JSON.readTree(response.body()).get("contexts")) {
        for (JsonNode bean : context.get("beans")) {
          flatten(bean.get("prefix").asString(), bean.get("properties"), names);
        }
      }
      bound.put(app, names);
    }
    return bound;
  }

  private static void flatten(String prefix, JsonNode node, Set<String> names) {
    names.add(canonical(prefix));
    if (node != null && node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        flatten(prefix + "." + field.getKey(), field.getValue(), names);
      }
    }
  }

  /** The dotted keys of a YAML document's leaves (a list counts as a leaf). */
  private static Set<String> configKeys(Map<String, Object> document) {
    Set<String> keys = new LinkedHashSet<>();
    collect("", document, keys);
    return keys;
  }

  private static void collect(String prefix, Object node, Set<String> keys) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        collect(
            prefix.isEmpty() ? String.valueOf(entry.getKey()) : prefix + "." + entry.getKey(),
            entry.getValue(),
            keys);
      }
    } else {
      keys.add(prefix);
    }
  }

  /** The role and database the stack's PostgreSQL container makes (POSTGRES_USER, _DB). */
  private static void createComposeDatabase(PostgresTestServer postgres) throws SQLException {
    try (Connection connection = postgres.dataSource(postgres.jdbcUrl("postgres")).getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agp') THEN"
              + " CREATE ROLE agp LOGIN PASSWORD 'agp'; END IF; END $$");
      if (!statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'agp'").next()) {
        statement.execute("CREATE DATABASE agp OWNER agp");
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** docker-compose's own reading of the file. */
  static final class ComposeFile {

    private ComposeFile() {}

    static Map<String, Object> services(Path root) throws IOException, InterruptedException {
      Process process =
          new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config")
              .directory(root.toFile())
              .redirectErrorStream(true)
              .start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as(output).isZero();
      Map<String, Object> config = new Yaml().load(output);
      return cast(config.get("services"));
    }

    static Map<String, String> environment(Object service) {
      Map<String, Object> env = cast(((Map<?, ?>) service).get("environment"));
      Map<String, String> strings = new LinkedHashMap<>();
      env.forEach((name, value) -> strings.put(name, String.valueOf(value)));
      return strings;
    }

    static List<String> volumes(Object service) {
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
    static <T> T cast(Object value) {
      return (T) value;
    }
  }
}
