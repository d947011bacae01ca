package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.AppProcess;
import io.agp.testkit.PostgresTestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The three apps started as separate processes from a deployment file's environment, as its
 * containers would start them, and the checks made of them: the API tour runs against them, and
 * every environment variable and configuration key the file gives them is one an app binds.
 */
public final class DeployedApps implements AutoCloseable {

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  /** The Dockerfile's entrypoint runs the jar that AGP_APP names; here, its main class. */
  private static final Map<String, String> MAIN_CLASSES =
      Map.of(
          "api", "io.agp.api.ApiApplication",
          "worker", "io.agp.worker.WorkerApplication",
          "bookkeeper", "io.agp.bookkeeper.BookkeeperApplication");

  /**
   * Read before an app binds anything: by the image's entrypoint (which app, the JVM's options), or
   * by Spring to find more configuration.
   */
  private static final Set<String> BOOT_VARIABLES =
      Set.of("AGP_APP", "JAVA_OPTS", "SPRING_CONFIG_ADDITIONAL_LOCATION");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * One app as its deployment file starts it.
   *
   * @param port where it serves (the API's requests; the others serve their actuator only)
   * @param actuatorPort where its actuator is: the same port, or a management port of its own
   */
  record App(String name, Map<String, String> environment, int port, int actuatorPort) {}

  private final List<App> apps;
  private final Map<String, AppProcess> processes = new LinkedHashMap<>();

  private DeployedApps(List<App> apps) {
    this.apps = List.copyOf(apps);
  }

  /**
   * Starts each app with its environment, plus what opens its configprops actuator for the check
   * and {@code extra}, and waits until all have started.
   */
  static DeployedApps start(List<App> apps, Map<String, String> extra) throws Exception {
    DeployedApps started = new DeployedApps(apps);
    try {
      for (App app : apps) {
        Map<String, String> env = new LinkedHashMap<>(app.environment());
        env.putAll(extra);
        env.put("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,configprops");
        env.put("MANAGEMENT_ENDPOINT_CONFIGPROPS_SHOW_VALUES", "always");
        String mainClass = MAIN_CLASSES.get(env.get("AGP_APP"));
        assertThat(mainClass).as("AGP_APP of %s", app.name()).isNotNull();
        started.processes.put(app.name(), AppProcess.startWithEnvironment(mainClass, env));
      }
      for (AppProcess process : started.processes.values()) {
        process.awaitOutput("Started ", Duration.ofSeconds(120));
      }
      return started;
    } catch (Exception | AssertionError e) {
      started.close();
      throw e;
    }
  }

  List<App> apps() {
    return apps;
  }

  /**
   * Runs {@code docs/api-tour.sh} against the API as written; fails with its output unless it went
   * as promised.
   *
   * @param token a bearer token for the tour's calls, or null
   */
  public static void runTour(URI api, String token) throws Exception {
    Path output = Files.createTempFile("api-tour", ".txt");
    ProcessBuilder tour =
        new ProcessBuilder("bash", "docs/api-tour.sh")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    tour.environment().put("AGP", api.toString());
    if (token != null) {
      tour.environment().put("TOKEN", token);
    }
    Process process = tour.start();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("the tour ends").isTrue();
    String printed = Files.readString(output);
    assertThat(process.exitValue()).as(printed).isZero();
    assertThat(printed).endsWith("the tour went as promised\n");
  }

  /** Each app's bound properties, from its configprops actuator, in canonical form. */
  Map<String, Set<String>> boundProperties() throws Exception {
    Map<String, Set<String>> bound = new LinkedHashMap<>();
    HttpClient http = HttpClient.newHttpClient();
    for (App app : apps) {
      URI uri = URI.create("http://127.0.0.1:" + app.actuatorPort() + "/actuator/configprops");
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(app.name() + " configprops").isEqualTo(200);
      Set<String> names = new TreeSet<>();
      for (JsonNode context : JSON.readTree(response.body()).get("contexts")) {
        for (JsonNode bean : context.get("beans")) {
          flatten(bean.get("prefix").asString(), bean.get("properties"), names);
        }
      }
      bound.put(app.name(), names);
    }
    return bound;
  }

  /**
   * Checks that every environment variable of each app is one it binds, and every key of the
   * configuration they share one that some app binds; returns the bound properties.
   *
   * @param configName how the failure names the configuration, e.g. its file
   */
  Map<String, Set<String>> checkBindings(Map<String, Object> config, String configName)
      throws Exception {
    Map<String, Set<String>> bound = boundProperties();
    for (App app : apps) {
      assertThat(unbound(app.environment().keySet(), bound.get(app.name())))
          .as("environment variables of %s that it binds to nothing", app.name())
          .isEmpty();
    }
    assertThat(unbound(configKeys(config), anyApp(bound)))
        .as("keys of %s no app binds", configName)
        .isEmpty();
    return bound;
  }

  /** The text with each of the deployment's host:port names replaced by the tests' server. */
  static String mapped(String text, Map<String, String> hosts) {
    for (Map.Entry<String, String> mapping : hosts.entrySet()) {
      text = text.replace(mapping.getKey(), mapping.getValue());
    }
    return text;
  }

  /** The bound properties of any app. */
  static Set<String> anyApp(Map<String, Set<String>> bound) {
    Set<String> all = new TreeSet<>();
    bound.values().forEach(all::addAll);
    return all;
  }

  /**
   * The names among these (variables or dotted keys) that match no bound property. Relaxed binding
   * is matched as Spring applies it to the environment: upper case, with the separators ({@code _ .
   * -}) left out.
   */
  static List<String> unbound(Set<String> names, Set<String> bound) {
    return names.stream()
        .filter(name -> !BOOT_VARIABLES.contains(name))
        .filter(name -> !bound.contains(canonical(name)))
        .toList();
  }

  private static String canonical(String name) {
    return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
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
  static Set<String> configKeys(Map<String, Object> document) {
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

  /** A role and its database, as a deployment's PostgreSQL would have them. */
  static void createDatabase(PostgresTestServer postgres, String user, String password, String name)
      throws SQLException {
    for (String identifier : List.of(user, name)) {
      // Names, not values: they cannot be bound as parameters, so they are checked instead.
      assertThat(identifier).matches("[a-z_][a-z0-9_]*");
    }
    assertThat(password).doesNotContain("'");
    try (Connection connection = postgres.dataSource(postgres.jdbcUrl("postgres")).getConnection();
        Statement statement = connection.createStatement()) {
      if (!statement.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user + "'").next()) {
        statement.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
      }
      if (!statement
          .executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")
          .next()) {
        statement.execute("CREATE DATABASE " + name + " OWNER " + user);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (AppProcess process : processes.values()) {
      process.close();
    }
  }
}
