package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Compose file, checked by docker-compose's own parser (no Docker engine needed): it is valid,
 * and it has every service the README tells a newcomer about.
 */
class ComposeFileTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  @Test
  void theComposeFileIsValidAndHasEveryServiceTheReadmeNames() throws Exception {
    List<String> services = dockerCompose("config", "--services");

    assertThat(services)
        .contains("postgres", "clickhouse", "minio", "agp-api", "agp-worker", "agp-bookkeeper");
    String readme = Files.readString(ROOT.resolve("README.md"));
    for (String service :
        List.of("agp-api", "agp-worker", "agp-bookkeeper", "postgres", "clickhouse", "minio")) {
      assertThat(readme).as("README names %s", service).contains(service);
    }
  }

  @Test
  void theApiIsPublishedOnPort8888AndTheWorkerServesTwoTiers() throws Exception {
    String config = String.join("\n", dockerCompose("config"));

    assertThat(config).contains("published: 8888").contains("AGP_WORKER_TIERS: default,vip");
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
