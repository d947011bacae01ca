package io.agp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether standard error is a terminal, and how wide. Java cannot ask the terminal itself, so a
 * shell that inherits standard error asks {@code stty}; no shell (Windows), no terminal.
 */
final class Terminal {

  static final int DEFAULT_COLUMNS = 80;

  private Terminal() {}

  /** The width of the terminal on standard error, or -1 when it is not one. */
  static int columns(Map<String, String> env) {
    if ("dumb".equals(env.get("TERM")) || System.getProperty("os.name", "").startsWith("Windows")) {
      return -1;
    }
    try {
      Process stty =
          new ProcessBuilder("sh", "-c", "test -t 2 && stty size <&2")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      stty.getOutputStream().close();
      String answer;
      try (InputStream out = stty.getInputStream()) {
        answer = new String(out.readAllBytes(), StandardCharsets.US_ASCII).strip();
      }
      if (!stty.waitFor(2, TimeUnit.SECONDS)) {
        stty.destroyForcibly();
        return -1;
      }
      if (stty.exitValue() != 0) {
        return -1;
      }
      String[] size = answer.split("\\s+");
      int columns = size.length == 2 ? Integer.parseInt(size[1]) : 0;
      return columns > 0 ? columns : DEFAULT_COLUMNS;
    } catch (IOException | NumberFormatException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
