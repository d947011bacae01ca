package io.agp.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(mainClass);
    command.addAll(List.of(TestServerProperties.toArgs(properties)));
    Path log =
        Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "app-process-", ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new AppProcess(process, log);
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

  public boolean isAlive() {
    return process.isAlive();
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
