package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard and the Prometheus alerts that ship with AGP ask only for metrics the apps
 * export: the API, a worker and the bookkeeper run a few executions (one failing) and an
 * interactive query, then each is scraped, and every metric named in {@code deploy/grafana} and
 * {@code deploy/prometheus} must be among what they answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  /** The metric families AGP's own files use; PromQL functions and labels never look like them. */
  private static final Pattern METRIC =
      Pattern.compile("\\b(?:agp|http_server|jvm|process|hikaricp)_[a-z0-9_]+\\b");

  private final AgpStack stack;
  private final ApiClient client;

  MonitoringTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-monitoring-results").toUri().toString(),
                "agp.bookkeeper.queue-metrics.interval",
                "200ms"));
    client = new ApiClient(stack::apiUrl);
  }

  @AfterAll
  void stop() {
    stack.close();
  }

  @Test
  void everyMetricOfTheDashboardAndTheAlertsIsOneTheAppsExport() throws Exception {
    assertThat(
            client
                .postSql("/v1/async/executions?wait=30", "SELECT 1")
                .json()
                .get("status")
                .asString())
        .isEqualTo("SUCCEEDED");
    assertThat(
            client
                .postSql("/v1/async/executions?wait=30", "SELEC 1")
                .json()
                .get("status")
                .asString())
        .isEqualTo("FAILED");
    assertThat(client.postSql("/v1/sync/run", "SELECT 1").status()).isEqualTo(200);
    Set<String> exported = new TreeSet<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              exported.clear();
              for (URI app :
                  new URI[] {
                    stack.apiUrl("/actuator/prometheus"),
                    stack.workerUrl("/actuator/prometheus"),
                    stack.bookkeeperUrl("/actuator/prometheus")
                  }) {
                exported.addAll(families(scrape(app)));
              }
              // The usage counters appear with the bookkeeper's first fold of the executions above.
              assertThat(exported)
                  .contains(
                      "agp_bookkeeper_queue_oldest_pending_seconds", "agp_usage_executions_total");
            });

    Set<String> used = new TreeSet<>(usedByDashboard());
    used.addAll(usedByAlerts());
    assertThat(used)
        .as("the dashboard and the alerts use these")
        .contains(
            "agp_bookkeeper_queue_executions",
            "agp_bookkeeper_queue_oldest_pending_seconds",
            "agp_worker_claim_latency_seconds_bucket",
            "agp_worker_executions_total",
            "http_server_requests_seconds_bucket");
    assertThat(used).as("metrics the apps do not export").isSubsetOf(exported);
  }

  @Test
  void theChartShipsTheSameDashboardAndAlerts() throws Exception {
    assertThat(Files.readString(ROOT.resolve("deploy/helm/agp/files/agp-dashboard.json")))
        .isEqualTo(Files.readString(ROOT.resolve("deploy/grafana/agp.json")));
    assertThat(Files.readString(ROOT.resolve("deploy/helm/agp/files/agp-rules.yaml")))
        .isEqualTo(Files.readString(ROOT.resolve("deploy/prometheus/agp-rules.yaml")));
  }

  private static Set<String> usedByDashboard() throws Exception {
    JsonNode dashboard =
        JsonMapper.builder()
            .build()
            .readTree(Files.readString(ROOT.resolve("deploy/grafana/agp.json")));
    Set<String> used = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      // A row has no query.
      for (JsonNode target : panel.path("targets")) {
        used.addAll(metrics(target.get("expr").asString()));
      }
    }
    for (JsonNode variable : dashboard.get("templating").get("list")) {
      if (variable.has("query") && variable.get("query").isString()) {
        used.addAll(metrics(variable.get("query").asString()));
      }
    }
    return used;
  }

  @SuppressWarnings("unchecked")
  private static Set<String> usedByAlerts() throws Exception {
    Map<String, Object> rules =
        new Yaml().load(Files.readString(ROOT.resolve("deploy/prometheus/agp-rules.yaml")));
    Set<String> used = new TreeSet<>();
    for (Map<String, Object> group : (Iterable<Map<String, Object>>) rules.get("groups")) {
      for (Map<String, Object> rule : (Iterable<Map<String, Object>>) group.get("rules")) {
        used.addAll(metrics((String) rule.get("expr")));
      }
    }
    assertThat(used).isNotEmpty();
    return used;
  }

  private static Set<String> metrics(String expression) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = METRIC.matcher(expression);
    while (matcher.find()) {
      names.add(matcher.group());
    }
    return names;
  }

  /** The names of the samples of a Prometheus text exposition. */
  private static Set<String> families(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.lines().toList()) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static String scrape(URI uri) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
    return response.body();
  }
}
