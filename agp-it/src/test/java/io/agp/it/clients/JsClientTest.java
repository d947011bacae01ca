package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The official ClickHouse JS client ({@code @clickhouse/client}, pinned in {@code
 * src/test/js/package-lock.json}, installed with {@code npm ci}) against AGP's ClickHouse proxy,
 * its token as the password and the proxy's path in its {@code pathname} option: what it does by
 * default, and the settings a BI backend sets, work through the allow-lists; what they refuse
 * reaches the client as an error naming it.
 */
class JsClientTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Path SOURCES = Path.of("src/test/js");
  private static final Path INSTALLED = Path.of("target/js-client");

  private static Map<String, JsonNode> steps;

  @BeforeAll
  static void runTheClient() throws Exception {
    Files.createDirectories(INSTALLED);
    for (String file : List.of("package.json", "package-lock.json", "proxy-client.mjs")) {
      Files.copy(
          SOURCES.resolve(file), INSTALLED.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(INSTALLED.resolve("node_modules/@clickhouse/client"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    }
    ClientsStack stack = ClientsStack.shared();
    String out =
        run(
            List.of("node", "proxy-client.mjs"),
            Map.of(
                "AGP_URL", stack.url(), "AGP_TOKEN", ClientsStack.token("js-" + System.nanoTime())),
            120);
    steps = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        JsonNode step = JSON.readTree(line);
        steps.put(step.get("step").asString(), step.get("value"));
      }
    }
    assertThat(steps).as(out).doesNotContainKey("unexpected");
  }

  @Test
  void pingsAndReadsRowsAsItDoesAgainstClickHouse() {
    assertThat(steps.get("ping").asBoolean()).isTrue();
    assertThat(steps.get("rows").toString())
        .isEqualTo(
            "[{\"number\":\"0\",\"s\":\"0\"},{\"number\":\"1\",\"s\":\"1\"},{\"number\":\"2\",\"s\":\"2\"},"
                + "{\"number\":\"3\",\"s\":\"3\"},{\"number\":\"4\",\"s\":\"4\"}]");
    assertThat(steps.get("streamed").asInt()).isEqualTo(20_000);
  }

  @Test
  void theSettingsABiBackendSetsPassTheAllowList() {
    assertThat(steps.get("settings").toString()).isEqualTo("[{\"big\":\"18446744073709551615\"}]");
  }

  @Test
  void whatTheTierRefusesReachesTheClientAsAnErrorNamingIt() {
    assertThat(steps.get("refused setting").asString()).contains("log_queries");
    assertThat(steps.get("refused table").asString()).contains("system.processes");
    assertThat(steps.get("clickhouse error").asString()).containsIgnoringCase("syntax error");
  }

  private static String run(List<String> command, Map<String, String> env, int seconds)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(INSTALLED.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output;
    try (var in = process.getInputStream()) {
      output = in.readAllBytes();
    }
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command + " took over " + seconds + " s");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          command + " ended with " + process.exitValue() + ":\n" + text);
    }
    return text;
  }
}
