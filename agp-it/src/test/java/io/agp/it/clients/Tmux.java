package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal: a tmux server of its own (its socket in a temporary folder) with one window of a
 * given size running a plain bash; keys are typed into it and its screen read back, as a person
 * would see it.
 */
final class Tmux implements AutoCloseable {

  private final Path socket;

  private Tmux(Path socket) {
    this.socket = socket;
  }

  /** A {@code columns} × {@code rows} terminal whose shell has exactly {@code env}. */
  static Tmux start(Map<String, String> env, int columns, int rows) {
    try {
      Path socket = Files.createTempDirectory("agp-tmux").resolve("socket");
      List<String> shell = new ArrayList<>(List.of("env", "-i"));
      env.forEach((name, value) -> shell.add(name + "=" + value));
      shell.addAll(List.of("TERM=xterm-256color", "PS1=$ ", "bash", "--norc", "--noprofile"));
      Tmux tmux = new Tmux(socket);
      List<String> command =
          new ArrayList<>(
              List.of(
                  "new-session", "-d", "-x", String.valueOf(columns), "-y", String.valueOf(rows)));
      command.addAll(shell);
      tmux.tmux(command.toArray(String[]::new));
      return tmux;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Types {@code line} and Enter. */
  void type(String line) {
    tmux("send-keys", "-l", line);
    tmux("send-keys", "Enter");
  }

  void ctrlC() {
    tmux("send-keys", "C-c");
  }

  /** The screen, line by line, without the empty lines at its bottom. */
  List<String> screen() {
    List<String> lines = new ArrayList<>(tmux("capture-pane", "-p").lines().toList());
    while (!lines.isEmpty() && lines.getLast().isBlank()) {
      lines.removeLast();
    }
    return lines;
  }

  private String tmux(String... args) {
    List<String> command = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as("tmux %s: %s", args[0], output).isZero();
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException("tmux is needed by these tests (apt-get install tmux)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    tmux("kill-server");
  }
}
