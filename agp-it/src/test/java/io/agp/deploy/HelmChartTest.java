package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The chart in deploy/helm/agp, rendered and linted by an embedded Helm: no cluster needed. */
class HelmChartTest {

  private static final Path CHART =
      Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/helm/agp");

  @Test
  void theChartLintsCleanly() {
    LintResult lint = new Helm(CHART).lint().strict().call();

    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void rendersOneWorkerDeploymentPerTierServingThatTier() {
    List<Map<String, Object>> manifests =
        render(Map.of("tiers.eu.replicas", 3, "tiers.eu.clickhouse.url", "http://ch-eu:8123"));

    List<Map<String, Object>> workers =
        kind(manifests, "Deployment").stream().filter(d -> name(d).contains("-worker-")).toList();
    assertThat(workers)
        .extracting(HelmChartTest::name)
        .containsExactlyInAnyOrder(
            "agp-agp-worker-default", "agp-agp-worker-eu", "agp-agp-worker-vip");
    Map<String, Object> eu = byName(workers, "agp-agp-worker-eu");
    assertThat(path(eu, "spec", "replicas")).isEqualTo(3);
    assertThat(env(eu)).containsEntry("AGP_WORKER_TIERS", "eu").containsEntry("AGP_APP", "worker");
    assertThat(configYaml(manifests)).contains("http://ch-eu:8123");
  }

  @Test
  void valuesReachTheContainers() {
    List<Map<String, Object>> manifests =
        render(
            Map.of("image.tag", "9.9.9", "api.port", 9999, "tiers.vip.settings.max_threads", "32"));

    Map<String, Object> api = byName(kind(manifests, "Deployment"), "agp-agp-api");
    Map<String, Object> container = containers(api).getFirst();
    assertThat(container.get("image")).isEqualTo("agp:9.9.9");
    assertThat(env(api)).containsEntry("SERVER_PORT", "9999").containsEntry("AGP_APP", "api");
    assertThat(configYaml(manifests)).contains("max_threads: \"32\"");
    assertThat(kind(manifests, "Deployment"))
        .allSatisfy(
            d ->
                assertThat(path(containers(d).getFirst(), "readinessProbe", "httpGet", "path"))
                    .isEqualTo("/actuator/health/readiness"));
  }

  @Test
  void aTierMayListTheNodesOfItsClickHouseInsteadOfOneUrl() {
    String config =
        configYaml(
            render(
                Map.of(
                    "tiers.vip.clickhouse.urls[0]", "http://ch-1:8123",
                    "tiers.vip.clickhouse.urls[1]", "http://ch-2:8123")));

    assertThat(config)
        .contains("urls:\n", "- \"http://ch-1:8123\"", "- \"http://ch-2:8123\"")
        .contains("url: \"http://clickhouse:8123\"");
  }

  @Test
  void credentialsGoToTheSecretAndNeverToAConfigMap() {
    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "database.password", "db-pass-123",
                "results.s3.secretKey", "s3-secret-456",
                "tiers.vip.clickhouse.password", "ch-pass-789"));

    String configMaps = new Yaml().dump(kind(manifests, "ConfigMap"));
    String secrets = new Yaml().dump(kind(manifests, "Secret"));
    for (String secret : List.of("db-pass-123", "s3-secret-456", "ch-pass-789")) {
      assertThat(configMaps).doesNotContain(secret);
      assertThat(secrets).contains(secret);
    }
    assertThat(new Yaml().dump(kind(manifests, "Deployment"))).doesNotContain("db-pass-123");
  }

  @Test
  void anExistingSecretReplacesTheChartsOwn() {
    List<Map<String, Object>> manifests = render(Map.of("existingSecret", "ops-managed"));

    assertThat(kind(manifests, "Secret")).isEmpty();
    assertThat(new Yaml().dump(kind(manifests, "Deployment"))).contains("name: ops-managed");
  }

  @Test
  void autoscalingAddsAnHpaForThatTierOnly() {
    List<Map<String, Object>> manifests = render(Map.of("tiers.vip.autoscaling.enabled", true));

    List<Map<String, Object>> hpas = kind(manifests, "HorizontalPodAutoscaler");
    assertThat(hpas).extracting(HelmChartTest::name).containsExactly("agp-agp-worker-vip");
    assertThat(
            path(byName(kind(manifests, "Deployment"), "agp-agp-worker-vip"), "spec", "replicas"))
        .isNull();
  }

  private static List<Map<String, Object>> render(Map<String, Object> values) {
    var template = new Helm(CHART).template().withName("agp");
    values.forEach(template::set);
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Object document : new Yaml().loadAll(template.call())) {
      if (document != null) {
        manifests.add(cast(document));
      }
    }
    return manifests;
  }

  private static List<Map<String, Object>> kind(List<Map<String, Object>> manifests, String kind) {
    return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
  }

  private static Map<String, Object> byName(List<Map<String, Object>> manifests, String name) {
    return manifests.stream().filter(m -> name.equals(name(m))).findFirst().orElseThrow();
  }

  private static String name(Map<String, Object> manifest) {
    return (String) path(manifest, "metadata", "name");
  }

  private static String configYaml(List<Map<String, Object>> manifests) {
    return (String) path(kind(manifests, "ConfigMap").getFirst(), "data", "agp.yaml");
  }

  private static List<Map<String, Object>> containers(Map<String, Object> deployment) {
    return cast(path(deployment, "spec", "template", "spec", "containers"));
  }

  /** The plain (not secret-sourced) environment of a Deployment's container. */
  private static Map<String, String> env(Map<String, Object> deployment) {
    List<Map<String, Object>> env = cast(containers(deployment).getFirst().get("env"));
    Map<String, String> plain = new java.util.HashMap<>();
    env.stream()
        .filter(e -> e.containsKey("value"))
        .forEach(e -> plain.put((String) e.get("name"), Objects.toString(e.get("value"))));
    return plain;
  }

  private static Object path(Map<String, Object> map, String... keys) {
    Object current = map;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }
}
