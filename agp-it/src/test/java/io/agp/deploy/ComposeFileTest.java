package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Compose file, checked by docker-compose's own parser (no Docker engine needed): it is valid,
 * it has every service the README tells a newcomer about, and the API it runs without
 * authentication is reachable from the machine it runs on only.
 */
class ComposeFileTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  /**
   * What a broken file would lose: a service, a file it mounts (the apps' configuration, the tiers'
   * ClickHouse users), or the order of starts (the apps before the servers they need are healthy).
   */
  @Test
  void everyServiceStartsAfterWhatItNeedsAndEveryMountedFileExists() throws Exception {
    Map<String, Object> services = services();
    assertThat(services.keySet())
        .containsExactlyInAnyOrder(
            "postgres",
            "clickhouse",
            "minio",
            "minio-bucket",
            "agp-api",
            "agp-worker",
            "agp-bookkeeper");
    for (String app : List.of("agp-api", "agp-worker", "agp-bookkeeper")) {
      Map<String, Object> dependsOn = cast(((Map<?, ?>) services.get(app)).get("depends_on"));
      assertThat(dependsOn).as(app).containsKeys("postgres", "clickhouse", "minio-bucket");
      assertThat(((Map<?, ?>) dependsOn.get("postgres")).get("condition"))
          .isEqualTo("service_healthy");
      assertThat(((Map<?, ?>) dependsOn.get("clickhouse")).get("condition"))
          .isEqualTo("service_healthy");
    }
    for (Object service : services.values()) {
      List<Object> volumes = cast(((Map<?, ?>) service).get("volumes"));
      for (Object volume : volumes == null ? List.of() : volumes) {
        String mount = String.valueOf(volume);
        if (mount.startsWith("/")) {
          // A bind mount (docker-compose config makes host paths absolute): the file is here.
          String hostPath = mount.split(":")[0];
          assertThat(Path.of(hostPath)).as(mount).exists();
        }
      }
    }
    assertThat(String.valueOf(((Map<?, ?>) services.get("clickhouse")).get("volumes")))
        .contains("deploy/clickhouse/users.d/agp-tiers.xml");
  }

  @Test
  void theApiIsPublishedOnPort8888OfThisMachineOnlyAndTheWorkerServesTwoTiers() throws Exception {
    Map<String, Object> services = services();

    assertThat(publishedPorts(services.get("agp-api"))).containsExactly("127.0.0.1:8888->8888");
    assertThat(services.values())
        .flatExtracting(ComposeFileTest::publishedPorts)
        .allSatisfy(port -> assertThat(port).startsWith("127.0.0.1:"));
    assertThat(environment(services.get("agp-worker")))
        .containsEntry("AGP_WORKER_TIERS", "default,vip");
  }

  @Test
  void theApiRunsWithoutAuthenticationAndWithAFixedLinkSecret() throws Exception {
    Map<String, Object> api = environment(services().get("agp-api"));

    assertThat(api).containsEntry("AGP_API_AUTH_MODE", "none");
    assertThat(String.valueOf(api.get("AGP_API_LINK_SECRETS")))
        .contains("dev")
        .doesNotContain(",")
        .hasSizeGreaterThanOrEqualTo(32);
    assertThat(Files.readString(ROOT.resolve("docker-compose.yml")))
        .contains("WITHOUT authentication");
  }

  @Test
  void noPageOfAnotherOriginMayCallTheApiUnlessOneIsListed() throws Exception {
    Map<String, Object> api = environment(services().get("agp-api"));

    assertThat(api).containsKey("AGP_API_CORS_ALLOWED_ORIGINS");
    assertThat(String.valueOf(api.get("AGP_API_CORS_ALLOWED_ORIGINS"))).isEmpty();
  }

  /** The services as docker-compose resolves them (anchors merged, ports normalised). */
  private static Map<String, Object> services() throws Exception {
    Map<String, Object> config = new Yaml().load(String.join("\n", dockerCompose("config")));
    return cast(config.get("services"));
  }

  private static Map<String, Object> environment(Object service) {
    return cast(((Map<?, ?>) service).get("environment"));
  }

  /**
   * A service's published ports as host_ip:published->target, from the short form
   * (127.0.0.1:8888:8888/tcp) or the long one, whichever docker-compose prints; no host_ip is every
   * interface (0.0.0.0).
   */
  private static List<String> publishedPorts(Object service) {
    List<Object> ports = cast(((Map<?, ?>) service).get("ports"));
    if (ports == null) {
      return List.of();
    }
    return ports.stream()
        .map(
            port -> {
              if (port instanceof Map<?, ?> longForm) {
                Object hostIp = longForm.get("host_ip");
                return "%s:%s->%s"
                    .formatted(
                        hostIp == null ? "0.0.0.0" : hostIp,
                        longForm.get("published"),
                        longForm.get("target"));
              }
              String[] parts = String.valueOf(port).replaceFirst("/\\w+$", "").split(":");
              return parts.length == 3
                  ? "%s:%s->%s".formatted(parts[0], parts[1], parts[2])
                  : "0.0.0.0:%s->%s".formatted(parts[0], parts[parts.length - 1]);
            })
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }

  private static List<String> dockerCompose(String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(List.of("docker-compose", "-f", "docker-compose.yml"));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    return output.lines().toList();
  }
}
