package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart in deploy/helm/agp, rendered and linted by an embedded Helm. Its {@code lookup} of the
 * chart's Secret goes to a fake API server: the embedded Helm renders like an install, which asks
 * the cluster.
 */
class HelmChartTest {

  private static final Path CHART =
      Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/helm/agp");

  /** Every render gets it unless it says otherwise: the chart refuses jwt without a key. */
  private static final String JWT_SECRET = "test-jwt-secret-of-at-least-32-bytes";

  private static FakeKubernetesApi cluster;

  @BeforeAll
  static void startFakeCluster() throws Exception {
    String kubeconfig = System.getenv("KUBECONFIG");
    assertThat(kubeconfig)
        .as("KUBECONFIG, set by agp-it/pom.xml, so that Helm never reaches a real cluster")
        .isNotBlank();
    cluster = FakeKubernetesApi.start(Path.of(kubeconfig));
  }

  @AfterEach
  void forgetSecrets() {
    cluster.clear();
  }

  @AfterAll
  static void stopFakeCluster() {
    cluster.close();
  }

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
  @SuppressWarnings("unchecked")
  void aTiersBudgetsReachItsConfigurationAndNoOtherTiers() {
    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "tiers.vip.budgets.user.executions", 500,
                "tiers.vip.budgets.user.bytesRead", "200GB",
                "tiers.vip.budgets.tier.serverTime", "2h"));

    Map<String, Object> config = new Yaml().load(configYaml(manifests));
    Map<String, Object> tiers = (Map<String, Object>) path(config, "agp", "tiers");
    assertThat(path(tiers, "vip", "budgets"))
        .isEqualTo(
            Map.of(
                "user", Map.of("executions", 500, "bytes-read", "200GB"),
                "tier", Map.of("server-time", "2h")));
    assertThat((Map<String, Object>) tiers.get("default")).doesNotContainKey("budgets");
  }

  @Test
  void theIngressRoutesTheThreeApis() {
    List<Map<String, Object>> manifests = render(Map.of("api.ingress.enabled", true));

    Map<String, Object> ingress = kind(manifests, "Ingress").getFirst();
    List<Map<String, Object>> rules = cast(path(ingress, "spec", "rules"));
    List<Map<String, Object>> paths = cast(path(rules.getFirst(), "http", "paths"));
    assertThat(paths)
        .extracting(p -> p.get("path"))
        .containsExactly("/v1/async", "/v1/sync", "/v1/chproxy");
  }

  @Test
  void everyPodRunsAsNonRootOnAReadOnlyRootWithoutCapabilities() {
    List<Map<String, Object>> deployments = kind(render(Map.of()), "Deployment");

    assertThat(deployments).hasSize(4);
    for (Map<String, Object> deployment : deployments) {
      assertThat(path(deployment, "spec", "template", "spec", "securityContext", "runAsNonRoot"))
          .isEqualTo(true);
      assertThat(
              path(
                  deployment,
                  "spec",
                  "template",
                  "spec",
                  "securityContext",
                  "seccompProfile",
                  "type"))
          .isEqualTo("RuntimeDefault");
      Map<String, Object> container = containers(deployment).getFirst();
      assertThat(path(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
      assertThat(path(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
      assertThat(path(container, "securityContext", "capabilities", "drop"))
          .isEqualTo(List.of("ALL"));
      List<Map<String, Object>> mounts = cast(container.get("volumeMounts"));
      assertThat(mounts).extracting(m -> m.get("mountPath")).contains("/tmp", "/config");
    }
  }

  @Test
  void everyDeploymentHasADisruptionBudgetOfOnePod() {
    List<Map<String, Object>> manifests = render(Map.of());

    assertThat(kind(manifests, "PodDisruptionBudget"))
        .extracting(HelmChartTest::name)
        .containsExactlyInAnyOrderElementsOf(
            kind(manifests, "Deployment").stream().map(HelmChartTest::name).toList());
    assertThat(kind(manifests, "PodDisruptionBudget"))
        .allSatisfy(pdb -> assertThat(path(pdb, "spec", "maxUnavailable")).isEqualTo(1));
    assertThat(kind(render(Map.of("podDisruptionBudget.enabled", false)), "PodDisruptionBudget"))
        .isEmpty();
  }

  @Test
  void aWorkersTerminationGraceOutlastsItsShutdownGrace() {
    List<Map<String, Object>> manifests = render(Map.of("worker.shutdownGraceSeconds", 90));

    Map<String, Object> worker = byName(kind(manifests, "Deployment"), "agp-agp-worker-vip");
    assertThat(path(worker, "spec", "template", "spec", "terminationGracePeriodSeconds"))
        .isEqualTo(120);
    assertThat(path(config(manifests), "agp", "worker", "shutdown-grace")).isEqualTo("90s");
    assertThat(renderFailure(Map.of("worker.config.shutdown-grace", "10s")))
        .contains("worker.shutdownGraceSeconds");
  }

  @Test
  void aNetworkPolicyOpensTheApiAndTheActuatorsOnlyToWhomItNames() {
    assertThat(kind(render(Map.of()), "NetworkPolicy")).isEmpty();
    List<Map<String, Object>> policies =
        kind(
            render(
                Map.of(
                    "networkPolicy.enabled",
                    true,
                    "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name",
                    "monitoring")),
            "NetworkPolicy");

    Map<String, Object> api = byName(policies, "agp-agp-api");
    List<Map<String, Object>> ingress = cast(path(api, "spec", "ingress"));
    assertThat(ingress).hasSize(2);
    assertThat(ingress.getFirst()).doesNotContainKey("from");
    assertThat(new Yaml().dump(ingress.get(1))).contains("name: monitoring", "port: 8081");
    Map<String, Object> background = byName(policies, "agp-agp-background");
    assertThat(new Yaml().dump(path(background, "spec", "ingress")))
        .contains("port: 8081", "port: 8082", "name: monitoring");
  }

  @Test
  void kedaSizesATiersWorkersByItsExecutionsInPostgres() {
    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "tiers.vip.keda.enabled",
                true,
                "database.url",
                "jdbc:postgresql://pg.db.svc:6432/queue?ssl=true"));

    Map<String, Object> scaled = kind(manifests, "ScaledObject").getFirst();
    assertThat(name(scaled)).isEqualTo("agp-agp-worker-vip");
    assertThat(path(scaled, "spec", "minReplicaCount")).isEqualTo(0);
    List<Map<String, Object>> triggers = cast(path(scaled, "spec", "triggers"));
    Map<String, Object> metadata = cast(triggers.getFirst().get("metadata"));
    assertThat(metadata)
        .containsEntry("host", "pg.db.svc")
        .containsEntry("port", "6432")
        .containsEntry("dbName", "queue")
        .containsEntry("targetQueryValue", "8");
    assertThat((String) metadata.get("query")).contains("tier = 'vip'", "'PENDING'");
    assertThat(kind(manifests, "TriggerAuthentication")).hasSize(1);
    assertThat(
            renderFailure(
                Map.of("tiers.vip.keda.enabled", true, "tiers.vip.autoscaling.enabled", true)))
        .contains("enable one of them");
  }

  @Test
  void theDashboardAndTheAlertsShipAsAnOptionalConfigMapAndPrometheusRule() throws Exception {
    List<Map<String, Object>> off = render(Map.of());
    assertThat(kind(off, "PrometheusRule")).isEmpty();
    assertThat(kind(off, "ConfigMap")).hasSize(1);

    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "metrics.grafanaDashboard.enabled", true,
                "metrics.prometheusRule.enabled", true,
                "metrics.prometheusRule.labels.release", "prometheus"));
    Map<String, Object> dashboard =
        byName(kind(manifests, "ConfigMap"), "agp-agp-grafana-dashboard");
    assertThat(path(dashboard, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
    Path root = CHART.getParent().getParent().getParent();
    assertThat((String) path(dashboard, "data", "agp.json"))
        .isEqualTo(Files.readString(root.resolve("deploy/grafana/agp.json")).strip());
    Map<String, Object> rule = kind(manifests, "PrometheusRule").getFirst();
    assertThat(path(rule, "metadata", "labels", "release")).isEqualTo("prometheus");
    Map<String, Object> rules =
        new Yaml().load(Files.readString(root.resolve("deploy/prometheus/agp-rules.yaml")));
    assertThat(path(rule, "spec", "groups")).isEqualTo(rules.get("groups"));
  }

  @Test
  void theSchemaRefusesAMisspeltKeyAWrongTypeOrAnUnknownMode() {
    assertThat(renderFailure(Map.of("tiers.default.maxRuntime", "5m"))).contains("maxRuntime");
    assertThat(renderFailure(Map.of("api.replicas", "two"))).contains("replicas");
    assertThat(renderFailure(Map.of("auth.mode", "basic"))).contains("mode");
    assertThat(renderFailure(Map.of("tiers.Bad_Name.concurrency", 2))).contains("Bad_Name");
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
    List<Map<String, Object>> manifests =
        render(Map.of("existingSecret", "ops-managed", "auth.jwtSecret", ""));

    assertThat(kind(manifests, "Secret")).isEmpty();
    assertThat(new Yaml().dump(kind(manifests, "Deployment"))).contains("name: ops-managed");
    Map<String, Object> api = byName(kind(manifests, "Deployment"), "agp-agp-api");
    assertThat(secretRef(api, "AGP_API_LINK_SECRETS"))
        .containsEntry("name", "ops-managed")
        .containsEntry("key", "link-secrets");
    assertThat(secretRef(api, "AGP_API_AUTH_JWT_SECRET"))
        .containsEntry("name", "ops-managed")
        .containsEntry("key", "jwt-secret");
  }

  @Test
  void withAnExistingSecretTheKeysAreNotTakenFromTheValues() {
    assertThat(renderFailure(Map.of("existingSecret", "ops-managed"))).contains("in that Secret");
  }

  @Test
  void callbacksReachTheApiAndTheBookkeeperAndTheirSecretTheBookkeeperOnly() {
    String secret = "callback-secret-of-at-least-32-bytes-0123";
    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "callbacks.enabled",
                true,
                "callbacks.secret",
                secret,
                "callbacks.allowedHosts[0]",
                "hooks.internal",
                "callbacks.config.max-age",
                "12h"));

    assertThat(path(config(manifests), "agp", "callbacks"))
        .isEqualTo(
            Map.of("enabled", true, "allowed-hosts", List.of("hooks.internal"), "max-age", "12h"));
    assertThat(stringData(manifests)).containsEntry("callback-secret", secret);
    assertThat(configYaml(manifests)).doesNotContain(secret);
    assertThat(
            secretRef(
                byName(kind(manifests, "Deployment"), "agp-agp-bookkeeper"),
                "AGP_CALLBACKS_SECRET"))
        .containsEntry("key", "callback-secret");
    assertThat(envNames(byName(kind(manifests, "Deployment"), "agp-agp-api")))
        .doesNotContain("AGP_CALLBACKS_SECRET");
    assertThat(envNames(byName(kind(manifests, "Deployment"), "agp-agp-bookkeeper")))
        .doesNotHaveDuplicates();
  }

  @Test
  void callbacksAreOffByDefaultAndNeedALongEnoughSecretWhenOn() {
    List<Map<String, Object>> manifests = render(Map.of());

    assertThat(path(config(manifests), "agp", "callbacks", "enabled")).isEqualTo(false);
    assertThat(envNames(byName(kind(manifests, "Deployment"), "agp-agp-bookkeeper")))
        .doesNotContain("AGP_CALLBACKS_SECRET");
    assertThat(renderFailure(Map.of("callbacks.enabled", true))).contains("callbacks.secret");
    assertThat(
            renderFailure(
                Map.of(
                    "callbacks.enabled",
                    true,
                    "callbacks.secret",
                    "only-31-bytes-long-not-enough!!")))
        .contains("at least 32 bytes");
    assertThat(
            renderFailure(
                Map.of(
                    "existingSecret", "ops-managed",
                    "auth.jwtSecret", "",
                    "callbacks.secret", "callback-secret-of-at-least-32-bytes-0123")))
        .contains("in that Secret");
  }

  @Test
  void refusesAuthModeNoneUnlessMarkedInsecure() {
    assertThat(renderFailure(Map.of("auth.mode", "none")))
        .contains("trusts every caller as an admin", "auth.insecure=true");

    List<Map<String, Object>> manifests =
        render(Map.of("auth.mode", "none", "auth.insecure", true, "auth.jwtSecret", ""));
    assertThat(path(config(manifests), "agp", "api", "auth")).isEqualTo(Map.of("mode", "none"));
    assertThat(envNames(byName(kind(manifests, "Deployment"), "agp-agp-api")))
        .doesNotContain("AGP_API_AUTH_JWT_SECRET");
  }

  @Test
  void refusesJwtWithoutAKeyOrWithAShortOne() {
    assertThat(renderFailure(Map.of("auth.jwtSecret", "")))
        .contains("auth.mode jwt needs auth.jwtSecret", "auth.jwkSetUri");
    assertThat(renderFailure(Map.of("auth.jwtSecret", "only-31-bytes-long-not-enough!!")))
        .contains("at least 32 bytes");
    assertThat(renderFailure(Map.of("auth.jwkSetUri", "https://idp.example.com/jwks")))
        .contains("not both");
    assertThat(renderFailure(Map.of("auth.issuer", "https://idp.example.com")))
        .contains("auth.issuer is set without auth.audience");
    // The values' schema refuses it before the templates do.
    assertThat(renderFailure(Map.of("auth.mode", "oidc")))
        .contains("auth.mode must be one of the following", "\"jwt\"", "\"none\"");
  }

  @Test
  void theJwtSecretGoesToTheSecretAndTheOtherAuthValuesToTheConfig() {
    List<Map<String, Object>> manifests =
        render(
            Map.of(
                "auth.issuer", "https://idp.example.com",
                "auth.audience", "agp",
                "auth.clockSkew", "30s",
                "auth.adminRole", "ops",
                "auth.roleTiers.analyst[0]", "default",
                "auth.roleTiers.ops[0]", "*"));

    assertThat(path(config(manifests), "agp", "api", "auth"))
        .isEqualTo(
            Map.of(
                "mode", "jwt",
                "issuer", "https://idp.example.com",
                "audience", "agp",
                "clock-skew", "30s",
                "admin-role", "ops",
                "role-tiers", Map.of("analyst", List.of("default"), "ops", List.of("*"))));
    assertThat(stringData(manifests)).containsEntry("jwt-secret", JWT_SECRET);
    assertThat(configYaml(manifests)).doesNotContain(JWT_SECRET);
    assertThat(
            secretRef(
                byName(kind(manifests, "Deployment"), "agp-agp-api"), "AGP_API_AUTH_JWT_SECRET"))
        .containsEntry("name", "agp-agp-credentials")
        .containsEntry("key", "jwt-secret");
  }

  @Test
  void tokensCheckedAgainstAJwkSetNeedNoSecret() {
    List<Map<String, Object>> manifests =
        render(Map.of("auth.jwtSecret", "", "auth.jwkSetUri", "https://idp.example.com/jwks"));

    assertThat(path(config(manifests), "agp", "api", "auth", "jwk-set-uri"))
        .isEqualTo("https://idp.example.com/jwks");
    assertThat(stringData(manifests)).doesNotContainKey("jwt-secret");
    assertThat(envNames(byName(kind(manifests, "Deployment"), "agp-agp-api")))
        .doesNotContain("AGP_API_AUTH_JWT_SECRET");
  }

  @Test
  void aRoleMayOnlyBeGivenTiersThatExist() {
    assertThat(renderFailure(Map.of("auth.roleTiers.analyst[0]", "gold")))
        .contains("auth.roleTiers.analyst names the tier gold");
  }

  @Test
  void generatesOneLinkSecretInTheSecretForEveryApiReplica() {
    List<Map<String, Object>> manifests = render(Map.of());

    assertThat(stringData(manifests).get("link-secrets")).matches("[A-Za-z0-9]{48,}");
    Map<String, Object> api = byName(kind(manifests, "Deployment"), "agp-agp-api");
    assertThat(secretRef(api, "AGP_API_LINK_SECRETS"))
        .containsEntry("name", "agp-agp-credentials")
        .containsEntry("key", "link-secrets");
    assertThat(configYaml(manifests)).doesNotContain(stringData(manifests).get("link-secrets"));
  }

  @Test
  void anUpgradeKeepsTheLinkSecretAlreadyInTheSecret() {
    String kept = "kept-link-secret-of-an-earlier-install-0123456789";
    cluster.putSecret("agp", "agp-agp-credentials", Map.of("link-secrets", kept));

    assertThat(stringData(render(Map.of()))).containsEntry("link-secrets", kept);
  }

  @Test
  void givenLinkSecretsAreUsedInsteadOfAGeneratedOne() {
    String current = "current-link-secret-0123456789-0123456789";
    String previous = "previous-link-secret-0123456789-0123456789";
    cluster.putSecret("agp", "agp-agp-credentials", Map.of("link-secrets", "an-old-generated-one"));

    List<Map<String, Object>> manifests =
        render(Map.of("linkSecrets[0]", current, "linkSecrets[1]", previous));

    assertThat(stringData(manifests)).containsEntry("link-secrets", current + "," + previous);
    assertThat(renderFailure(Map.of("linkSecrets[0]", "short"))).contains("at least 32 bytes");
  }

  @Test
  void theApiServesItsActuatorOnTheManagementPortOnly() {
    List<Map<String, Object>> manifests = render(Map.of("metrics.podMonitor.enabled", true));

    Map<String, Object> api = byName(kind(manifests, "Deployment"), "agp-agp-api");
    assertThat(env(api))
        .containsEntry("SERVER_PORT", "8888")
        .containsEntry("MANAGEMENT_SERVER_PORT", "8081");
    assertThat(ports(api)).containsEntry("http", 8888).containsEntry("management", 8081);
    assertThat(path(api, "spec", "template", "metadata", "annotations", "prometheus.io/port"))
        .isEqualTo("8081");
    assertThat(kind(manifests, "Deployment"))
        .allSatisfy(
            d -> {
              Map<String, Object> container = containers(d).getFirst();
              assertThat(ports(d)).containsKey("management");
              assertThat(path(container, "livenessProbe", "httpGet", "port"))
                  .isEqualTo("management");
              assertThat(path(container, "readinessProbe", "httpGet", "port"))
                  .isEqualTo("management");
            });
    List<Map<String, Object>> endpoints =
        cast(path(kind(manifests, "PodMonitor").getFirst(), "spec", "podMetricsEndpoints"));
    assertThat(endpoints).extracting(e -> e.get("port")).containsExactly("management");
    List<Map<String, Object>> servicePorts =
        cast(path(byName(kind(manifests, "Service"), "agp-agp-api"), "spec", "ports"));
    assertThat(servicePorts).extracting(p -> p.get("targetPort")).containsExactly("http");
    assertThat(renderFailure(Map.of("api.managementPort", 8888))).contains("must differ");
  }

  @Test
  void apiSecurityValuesReachTheConfig() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("api.shareScope", "tier");
    values.put("api.rateLimit.requestsPerSecond", 20);
    values.put("api.rateLimit.burst", 40);
    values.put("api.cors.allowedOrigins[0]", "https://dash.example.com");
    values.put("api.cors.allowedOrigins[1]", "https://*.apps.example.com");
    values.put("api.config.max-sql-size", "2MB");
    values.put("api.config.cors.max-age", "10m");

    Map<String, Object> api = cast(path(config(render(values)), "agp", "api"));

    assertThat(api)
        .containsEntry("share-scope", "tier")
        .containsEntry("rate-limit", Map.of("requests-per-second", 20, "burst", 40))
        .containsEntry(
            "cors",
            Map.of(
                "allowed-origins",
                List.of("https://dash.example.com", "https://*.apps.example.com"),
                "max-age",
                "10m"))
        .containsEntry("max-sql-size", "2MB")
        .doesNotContainKey("allowed-origins");
  }

  /** api.allowedOrigins, the former name of api.cors.allowedOrigins, still reaches the list. */
  @Test
  void theFormerNameOfTheCorsOriginsStillReachesThem() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("api.cors.allowedOrigins[0]", "https://dash.example.com");
    values.put("api.allowedOrigins[0]", "https://old.example.com");

    Map<String, Object> api = cast(path(config(render(values)), "agp", "api"));

    assertThat(api)
        .containsEntry(
            "cors",
            Map.of(
                "allowed-origins", List.of("https://dash.example.com", "https://old.example.com")));
  }

  @Test
  void emptyApiValuesLeaveTheApisDefaults() {
    Map<String, Object> api = cast(path(config(render(Map.of())), "agp", "api"));

    assertThat(api).containsOnlyKeys("auth");
  }

  @Test
  void tierSecurityValuesReachTheConfig() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("tiers.vip.readOnly", false);
    values.put("tiers.vip.lockedSettings[0]", "max_threads");
    values.put("tiers.vip.lockedSettings[1]", "priority");
    values.put("tiers.vip.maxPendingPerUser", 5);
    values.put("tiers.vip.maxRunningPerUser", 2);
    values.put("tierDefaults.maxPendingPerUser", 50);

    Map<String, Object> config = config(render(values));

    assertThat(HelmChartTest.<Map<String, Object>>cast(path(config, "agp", "tiers", "vip")))
        .containsEntry("read-only", false)
        .containsEntry("locked-settings", List.of("max_threads", "priority"))
        .containsEntry("max-pending-per-user", 5)
        .containsEntry("max-running-per-user", 2);
    assertThat(HelmChartTest.<Map<String, Object>>cast(path(config, "agp", "tiers", "default")))
        .containsEntry("read-only", true)
        .containsEntry("max-pending-per-user", 50)
        .containsEntry("max-running-per-user", 0)
        .doesNotContainKey("locked-settings");
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

  /** The chart rendered as release agp in namespace agp, with a jwt secret unless values say. */
  private static List<Map<String, Object>> render(Map<String, Object> values) {
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Object document : new Yaml().loadAll(template(values).call())) {
      if (document != null) {
        manifests.add(cast(document));
      }
    }
    return manifests;
  }

  /** Why the chart refuses to render these values. */
  private static String renderFailure(Map<String, Object> values) {
    try {
      template(values).call();
    } catch (IllegalStateException refused) {
      return refused.getMessage();
    }
    throw new AssertionError("the chart rendered " + values);
  }

  private static TemplateCommand template(Map<String, Object> values) {
    var template = new Helm(CHART).template().withName("agp").withNamespace("agp");
    Map<String, Object> all = new LinkedHashMap<>(Map.of("auth.jwtSecret", JWT_SECRET));
    all.putAll(values);
    all.forEach(template::set);
    return template;
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

  private static Map<String, Object> config(List<Map<String, Object>> manifests) {
    return new Yaml().load(configYaml(manifests));
  }

  private static Map<String, String> stringData(List<Map<String, Object>> manifests) {
    return cast(path(kind(manifests, "Secret").getFirst(), "stringData"));
  }

  private static List<Map<String, Object>> containers(Map<String, Object> deployment) {
    return cast(path(deployment, "spec", "template", "spec", "containers"));
  }

  /** The plain (not secret-sourced) environment of a Deployment's container. */
  private static Map<String, String> env(Map<String, Object> deployment) {
    List<Map<String, Object>> env = cast(containers(deployment).getFirst().get("env"));
    Map<String, String> plain = new HashMap<>();
    env.stream()
        .filter(e -> e.containsKey("value"))
        .forEach(e -> plain.put((String) e.get("name"), Objects.toString(e.get("value"))));
    return plain;
  }

  private static List<String> envNames(Map<String, Object> deployment) {
    List<Map<String, Object>> env = cast(containers(deployment).getFirst().get("env"));
    return env.stream().map(e -> (String) e.get("name")).toList();
  }

  /** Where a Deployment's container takes an environment variable from a Secret. */
  private static Map<String, Object> secretRef(Map<String, Object> deployment, String name) {
    List<Map<String, Object>> env = cast(containers(deployment).getFirst().get("env"));
    return env.stream()
        .filter(e -> name.equals(e.get("name")))
        .map(e -> HelmChartTest.<Map<String, Object>>cast(path(e, "valueFrom", "secretKeyRef")))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not in the environment"));
  }

  /** A Deployment's container ports, by name. */
  private static Map<String, Object> ports(Map<String, Object> deployment) {
    List<Map<String, Object>> ports = cast(containers(deployment).getFirst().get("ports"));
    Map<String, Object> byName = new LinkedHashMap<>();
    ports.forEach(p -> byName.put((String) p.get("name"), p.get("containerPort")));
    return byName;
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
