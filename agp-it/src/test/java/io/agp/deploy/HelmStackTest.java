package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.S3TestServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart, executed rather than rendered only: rendered with its default values and with a
 * two-tier values file (plus what an install must give: the database password, the token key, the
 * object store), each Deployment's container starts as a process with the environment the manifests
 * give it (values, and keys of the chart's Secret) and the chart's ConfigMap mounted where the
 * Deployment mounts it; then the API tour runs against the API, with a token, and every variable
 * and config key must be one an app binds, so that a typo in the chart fails the test.
 *
 * <p>What is mapped, and only that: the host names {@code postgres}, {@code clickhouse} and {@code
 * minio} to the test servers; {@code /config/} to a folder holding the ConfigMap's files; the ports
 * of each container to free ones (each pod has a network of its own; here the processes share one).
 * One process per Deployment, whatever its replicas.
 */
class HelmStackTest {

  private static final Path CHART = DeployedApps.ROOT.resolve("deploy/helm/agp");
  private static final String JWT_SECRET = "the-helm-stack-test-jwt-secret-32-bytes";
  private static final Map<String, String> PORT_VARIABLES =
      Map.of("SERVER_PORT", "", "MANAGEMENT_SERVER_PORT", "");

  private static FakeKubernetesApi cluster;
  private static S3TestServer s3;
  private static Map<String, String> hosts;

  @BeforeAll
  static void start() throws Exception {
    cluster = FakeKubernetesApi.start(Path.of(System.getenv("KUBECONFIG")));
    PostgresTestServer postgres = PostgresTestServer.shared();
    DeployedApps.createDatabase(postgres, "agp", "agp", "agp");
    s3 = S3TestServer.startWithCredentials("helm-access-key", "helm-secret-key");
    s3.createBucket("agp-results");
    hosts =
        Map.of(
            "postgres:5432", "127.0.0.1:" + postgres.port(),
            "clickhouse:8123", "127.0.0.1:" + ClickHouseTestServer.shared().httpPort(),
            "minio:9000", s3.endpoint().getAuthority());
  }

  @AfterAll
  static void stop() {
    cluster.close();
    s3.close();
  }

  @Test
  void theChartWithItsDefaultValuesRunsTheTourAndBindsEveryVariableAndKey() throws Exception {
    Rendered rendered = render(null);
    try (DeployedApps apps = rendered.start()) {
      DeployedApps.runTour(rendered.api(apps), token());
      Map<String, Set<String>> bound = rendered.checkBindings(apps);

      // A typo in the chart, a variable or a config key, is found the same way.
      DeployedApps.App worker =
          apps.apps().stream()
              .filter(a -> a.name().contains("-worker-vip"))
              .findFirst()
              .orElseThrow();
      Set<String> env = new LinkedHashSet<>(worker.environment().keySet());
      env.remove("AGP_TIERS_VIP_CLICKHOUSE_PASSWORD");
      env.add("AGP_TIERS_VIP_CLICKHOUSE_PASWORD");
      assertThat(DeployedApps.unbound(env, bound.get(worker.name())))
          .containsExactly("AGP_TIERS_VIP_CLICKHOUSE_PASWORD");
      Set<String> keys = new LinkedHashSet<>(DeployedApps.configKeys(rendered.config()));
      keys.add("agp.tiers.vip.max-runing-per-user");
      assertThat(DeployedApps.unbound(keys, DeployedApps.anyApp(bound)))
          .containsExactly("agp.tiers.vip.max-runing-per-user");
    }
  }

  @Test
  void theChartWithATwoTierValuesFileRunsTheTourAndBindsEveryVariableAndKey() throws Exception {
    Path values = Path.of("src/test/resources/helm/two-tiers.yaml").toAbsolutePath();
    Rendered rendered = render(values);
    assertThat(rendered.deployments())
        .containsExactlyInAnyOrder(
            "agp-agp-api", "agp-agp-bookkeeper", "agp-agp-worker-default", "agp-agp-worker-adhoc");
    try (DeployedApps apps = rendered.start()) {
      DeployedApps.runTour(rendered.api(apps), token());
      rendered.checkBindings(apps);
    }
  }

  /** A token the chart's API takes: signed with the key the install gave, for the default tier. */
  private static String token() throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject("helm-tour")
            .expirationTime(Date.from(Instant.now().plusSeconds(600)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(JWT_SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** The chart rendered as release agp, with what an install must give besides the values file. */
  private static Rendered render(Path valuesFile) {
    TemplateCommand template = new Helm(CHART).template().withName("agp").withNamespace("agp");
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    Map<String, Object> install = new LinkedHashMap<>();
    install.put("auth.jwtSecret", JWT_SECRET);
    install.put("database.password", "agp");
    // The password of the tiers' own ClickHouse users (deploy/clickhouse), which the test
    // ClickHouse has.
    install.put("tierDefaults.clickhouse.password", "agp");
    install.put("results.s3.endpoint", "http://minio:9000");
    install.put("results.s3.pathStyle", true);
    // S3Proxy, which stands in for the object store, refuses the S3 SDK's default checksums.
    install.put("results.s3.checksumsWhenRequired", true);
    install.put("results.s3.accessKey", "helm-access-key");
    install.put("results.s3.secretKey", "helm-secret-key");
    install.forEach(template::set);
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Object document : new Yaml().loadAll(template.call())) {
      if (document != null) {
        manifests.add(cast(document));
      }
    }
    return new Rendered(manifests);
  }

  /** The manifests of one render, and the processes they describe. */
  private record Rendered(List<Map<String, Object>> manifests) {

    List<String> deployments() {
      return kind("Deployment").stream().map(Rendered::name).toList();
    }

    Map<String, Object> config() {
      Map<String, Object> configMap = kind("ConfigMap").getFirst();
      Map<String, String> data = cast(configMap.get("data"));
      return new Yaml().load(mapped(data.get("agp.yaml")));
    }

    DeployedApps start() throws Exception {
      Map<String, String> secret = secretData();
      Path configFolder = Files.createTempDirectory("helm-config");
      Map<String, String> data = cast(kind("ConfigMap").getFirst().get("data"));
      for (Map.Entry<String, String> file : data.entrySet()) {
        Files.writeString(configFolder.resolve(file.getKey()), mapped(file.getValue()));
      }
      List<DeployedApps.App> apps = new ArrayList<>();
      for (Map<String, Object> deployment : kind("Deployment")) {
        Map<String, Object> container = containers(deployment).getFirst();
        String mountPath = configMountPath(container);
        Map<String, String> env = new LinkedHashMap<>();
        List<Map<String, Object>> variables = cast(container.get("env"));
        for (Map<String, Object> variable : variables) {
          String name = (String) variable.get("name");
          String value;
          if (variable.containsKey("value")) {
            value = String.valueOf(variable.get("value"));
          } else {
            Map<String, Object> ref = cast(path(variable, "valueFrom", "secretKeyRef"));
            assertThat(ref)
                .as("%s of %s comes from the Secret", name, name(deployment))
                .isNotNull();
            value = secret.get((String) ref.get("key"));
            assertThat(value).as("key %s of the Secret", ref.get("key")).isNotNull();
          }
          value = mapped(value).replace(mountPath + "/", configFolder + "/");
          env.put(name, value);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String port : PORT_VARIABLES.keySet()) {
          if (env.containsKey(port)) {
            int free = DeployedApps.freePort();
            env.put(port, Integer.toString(free));
            ports.put(port, free);
          }
        }
        int serving = ports.get("SERVER_PORT");
        apps.add(
            new DeployedApps.App(
                name(deployment),
                env,
                serving,
                ports.getOrDefault("MANAGEMENT_SERVER_PORT", serving)));
      }
      return DeployedApps.start(apps, Map.of());
    }

    URI api(DeployedApps apps) {
      DeployedApps.App api =
          apps.apps().stream().filter(a -> a.name().endsWith("-api")).findFirst().orElseThrow();
      return URI.create("http://127.0.0.1:" + api.port());
    }

    Map<String, Set<String>> checkBindings(DeployedApps apps) throws Exception {
      return apps.checkBindings(config(), "the chart's ConfigMap");
    }

    private Map<String, String> secretData() {
      Map<String, Object> secret = kind("Secret").getFirst();
      Map<String, String> values = new LinkedHashMap<>();
      Map<String, Object> stringData = cast(secret.get("stringData"));
      if (stringData != null) {
        stringData.forEach((key, value) -> values.put(key, String.valueOf(value)));
      }
      Map<String, Object> data = cast(secret.get("data"));
      if (data != null) {
        data.forEach(
            (key, value) ->
                values.put(
                    key,
                    new String(
                        Base64.getDecoder().decode(String.valueOf(value)),
                        StandardCharsets.UTF_8)));
      }
      return values;
    }

    private static String configMountPath(Map<String, Object> container) {
      List<Map<String, Object>> mounts = cast(container.get("volumeMounts"));
      return mounts.stream()
          .filter(m -> "config".equals(m.get("name")))
          .map(m -> (String) m.get("mountPath"))
          .findFirst()
          .orElseThrow();
    }

    private List<Map<String, Object>> kind(String kind) {
      return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    }

    private static String name(Map<String, Object> manifest) {
      return (String) path(manifest, "metadata", "name");
    }

    private static List<Map<String, Object>> containers(Map<String, Object> deployment) {
      return cast(path(deployment, "spec", "template", "spec", "containers"));
    }
  }

  private static String mapped(String text) {
    return DeployedApps.mapped(text, hosts);
  }

  private static Object path(Map<String, Object> map, String... keys) {
    Object node = map;
    for (String key : keys) {
      if (!(node instanceof Map<?, ?> m)) {
        return null;
      }
      node = m.get(key);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }
}
