package io.agp.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * An app in a JVM of its own, on the test classpath, so that a test can stop, kill or pause it like
 * a real process: SIGTERM, SIGKILL, SIGSTOP and SIGCONT.
 */
public final class AppProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private AppProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code mainClass} with the properties as command-line arguments. */
  public static AppProcess start(String mainClass, Map<String, ?> properties) throws IOException {
    return launch(mainClass, List.of(TestServerProperties.toArgs(properties)), Map.of());
  }

  /**
   * Starts {@code mainClass} with no arguments and these environment variables added to this JVM's,
   * as a container would start the app from a deployment file's environment.
   */
  public static AppProcess startWithEnvironment(String mainClass, Map<String, String> environment)
      throws IOException {
    return launch(mainClass, List.of(), environment);
  }

  private static AppProcess launch(
      String mainClass, List<String> args, Map<String, String> environment) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    // A test process lives for seconds to minutes: start-up time matters more than peak speed,
    // and several of them share a small machine.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add(mainClass);
    command.addAll(args);
    Path log =
        Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "app-process-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    // In the environment rather than on the command line: the command stays short and readable in
    // ps, and a pattern meant for another build's jars (pkill -f agp-worker) does not match it.
    builder
        .environment()
        .put(
            "CLASSPATH",
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    return new AppProcess(builder.start(), log);
  }

  /** SIGTERM: the app shuts down gracefully; waits until it has exited. */
  public int stop() throws InterruptedException {
    process.destroy();
    return process.waitFor();
  }

  /** SIGKILL: the app dies without a chance to clean up. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGSTOP: the app freezes, leases and all, as in a long GC pause or a frozen VM. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: the paused app carries on where it was. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  /**
   * Waits until the app has printed {@code text} (e.g. Spring Boot's {@code Started ...} line).
   *
   * @throws IllegalStateException if the app exits first or the time runs out, with its log
   */
  public void awaitOutput(String text, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!log().contains(text)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the app exited with "
                + process.exitValue()
                + " before printing "
                + text
                + ":\n"
                + log());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the app did not print " + text + " within " + timeout + ":\n" + log());
      }
      Thread.sleep(100);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status, or empty while the app runs. */
  public OptionalInt exitValue() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** Everything the app printed so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  private void signal(String signal) throws IOException, InterruptedException {
    int exit =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .inheritIO()
            .start()
            .waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + signal + " failed with " + exit);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }
}
