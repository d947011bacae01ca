package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code agp} as a user would: the launcher {@code agp-cli/bin/agp} starting the built {@code
 * agp.jar} in a process of its own, standard error a pipe (no terminal), and an environment of its
 * own (a home without a config file unless a test writes one).
 */
final class AgpCli {

  static final Path HOME = Path.of(System.getProperty("agp.cli.home", "../agp-cli"));

  /** What a run printed and exited with. */
  record Run(int exit, String out, String err) {

    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private final Map<String, String> env;

  private AgpCli(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The client of {@code url}, with no token, on the Java that runs the tests. */
  static AgpCli of(String url) {
    Path jar = HOME.resolve("target/agp.jar");
    assertThat(jar)
        .as("agp.jar is built by mvn package -pl agp-cli -am before these tests run")
        .exists();
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", temporaryHome().toString());
    env.put("AGP_JAVA_HOME", System.getProperty("java.home"));
    env.put("AGP_URL", url);
    return new AgpCli(env);
  }

  static Path launcher() {
    return HOME.resolve("bin/agp").toAbsolutePath();
  }

  /** The same client with one more (or, for null, one less) environment variable. */
  AgpCli with(String name, String value) {
    Map<String, String> changed = new HashMap<>(env);
    if (value == null) {
      changed.remove(name);
    } else {
      changed.put(name, value);
    }
    return new AgpCli(changed);
  }

  Map<String, String> env() {
    return env;
  }

  Run run(String... args) {
    return run(new byte[0], args);
  }

  /** Runs {@code agp args} with {@code stdin} on its standard input, and waits for its end. */
  Run run(byte[] stdin, String... args) {
    try {
      Path out = Files.createTempFile("agp-out", ".txt");
      Path err = Files.createTempFile("agp-err", ".txt");
      Process process = start(out, err, args);
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      }
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("agp %s ended", List.of(args)).isTrue();
      return new Run(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts {@code agp args} with its output going to {@code out} and {@code err}. */
  Process start(Path out, Path err, String... args) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Stream.concat(Stream.of(launcher().toString()), Stream.of(args)).toList())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    return builder.start();
  }

  private static Path temporaryHome() {
    try {
      return Files.createTempDirectory("agp-home");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
