package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's queries and the alert rules that ship with AGP, loaded into a real Prometheus
 * server (Debian's {@code prometheus}) that scrapes the API, a worker and the bookkeeper every
 * second: {@code promtool} accepts the rules, every rule evaluates without error, every panel's
 * query runs and returns series after a short run, and the alerts for a tier without a live worker
 * and for a missing bookkeeper become pending when the worker and then the bookkeeper stop.
 */
class PrometheusServerTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final Path RULES = ROOT.resolve("deploy/prometheus/agp-rules.yaml");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();
  private AgpStack stack;
  private ApiClient client;
  private Process prometheus;
  private Path work;
  private int port;

  @BeforeEach
  void start() throws Exception {
    work = Files.createTempDirectory("agp-prometheus");
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                work.resolve("results").toUri().toString(),
                "agp.bookkeeper.queue-metrics.interval",
                "200ms"));
    client = new ApiClient(stack::apiUrl);
    port = freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: ["%s"]
        scrape_configs:
          - {job_name: agp-api, metrics_path: /actuator/prometheus, static_configs: [{targets: ["%s"]}]}
          - {job_name: agp-worker, metrics_path: /actuator/prometheus, static_configs: [{targets: ["%s"]}]}
          - {job_name: agp-bookkeeper, metrics_path: /actuator/prometheus, static_configs: [{targets: ["%s"]}]}
        """
            .formatted(
                RULES,
                stack.apiUrl("").getAuthority(),
                stack.workerUrl("").getAuthority(),
                stack.bookkeeperUrl("").getAuthority()));
    prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("prometheus.log").toFile())
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void theDashboardsQueriesRunAndTheAlertsFireOnARealPrometheus() throws Exception {
    Process check = new ProcessBuilder("promtool", "check", "rules", RULES.toString()).start();
    String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor()).as(checked).isZero();
    assertThat(checked).contains("SUCCESS: 6 rules found");

    // A little of everything the panels show: a success, a failure, an interactive run, a 404;
    // once before Prometheus's first scrape (the series exist) and once after (they grow).
    everything();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(query("up == 1")).as(log()).hasSize(3));
    Thread.sleep(2000);
    everything();
    List<String> expressions = dashboardExpressions();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              Map<String, Integer> empty = new TreeMap<>();
              for (String expression : expressions) {
                int series = query(expression).size();
                if (series == 0) {
                  empty.put(expression, series);
                }
              }
              assertThat(empty).as("panels' queries without a series").isEmpty();
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<String> health = new ArrayList<>();
              for (JsonNode group : api("/api/v1/rules").get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                  health.add(rule.get("name").asString() + " " + rule.get("health").asString());
                }
              }
              assertThat(health)
                  .containsExactlyInAnyOrder(
                      "AgpOldestPendingTooOld ok",
                      "AgpFailureRatioHigh ok",
                      "AgpNoLiveWorkerForTier ok",
                      "AgpBookkeeperNotRunning ok",
                      "AgpPeriodicJobFailing ok",
                      "AgpScheduleRunsLate ok");
            });
    // One execution of two failed in the last 15 minutes; nothing else is wrong.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(alerts()).containsExactly("AgpFailureRatioHigh pending"));

    // A worker Deployment scaled to zero while executions wait.
    stack.stopWorker();
    assertThat(client.postSql("/v1/async/executions", "SELECT 2").status()).isEqualTo(201);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(alerts()).contains("AgpNoLiveWorkerForTier pending"));

    stack.stopBookkeeper();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(alerts()).contains("AgpBookkeeperNotRunning pending"));
  }

  private void everything() {
    assertThat(status(client.postSql("/v1/async/executions?wait=30", "SELECT 1")))
        .isEqualTo("SUCCEEDED");
    assertThat(status(client.postSql("/v1/async/executions?wait=30", "SELEC 1")))
        .isEqualTo("FAILED");
    assertThat(client.postSql("/v1/sync/run", "SELECT 1").status()).isEqualTo(200);
    assertThat(client.get("/v1/async/executions/987654321").status()).isEqualTo(404);
  }

  /** Each panel's expression, with Grafana's variables as a dashboard left at its defaults. */
  private static List<String> dashboardExpressions() throws IOException {
    JsonNode dashboard = JSON.readTree(Files.readString(ROOT.resolve("deploy/grafana/agp.json")));
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      // A row has no query.
      for (JsonNode target : panel.path("targets")) {
        expressions.add(
            target
                .get("expr")
                .asString()
                .replace("$tier", ".*")
                .replace("$__rate_interval", "30s"));
      }
    }
    for (JsonNode variable : dashboard.get("templating").get("list")) {
      String query = variable.path("query").asString("");
      if (query.startsWith("label_values(")) {
        // label_values(metric, label): the series whose label Grafana lists.
        expressions.add(query.substring("label_values(".length(), query.indexOf(',')));
      }
    }
    assertThat(expressions).hasSizeGreaterThan(10);
    return expressions;
  }

  private List<JsonNode> query(String expression) throws Exception {
    JsonNode data =
        api("/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8));
    assertThat(data.get("resultType").asString()).as(expression).isEqualTo("vector");
    List<JsonNode> series = new ArrayList<>();
    data.get("result").forEach(series::add);
    return series;
  }

  /** The alerts pending or firing, as "name state". */
  private List<String> alerts() throws Exception {
    List<String> alerts = new ArrayList<>();
    for (JsonNode alert : api("/api/v1/alerts").get("alerts")) {
      alerts.add(
          alert.get("labels").get("alertname").asString() + " " + alert.get("state").asString());
    }
    return alerts;
  }

  /** The {@code data} of an answer of Prometheus's HTTP API, which must say success. */
  private JsonNode api(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.get("status").asString())
        .as(path + ": " + response.body())
        .isEqualTo("success");
    return answer.get("data");
  }

  private String log() throws IOException {
    return Files.readString(work.resolve("prometheus.log"));
  }

  private static String status(ApiClient.Reply reply) {
    return reply.json().get("status").asString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
