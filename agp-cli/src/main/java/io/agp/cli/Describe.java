package io.agp.cli;

import io.agp.client.model.Execution;
import io.agp.client.model.Result;
import java.time.Duration;
import java.util.Locale;

/** Executions, sizes and durations in words, for people rather than programs. */
final class Describe {

  private Describe() {}

  /** One line: the execution's status and what matters about it in that status. */
  static String status(Execution execution) {
    String head = "#" + execution.getId() + " " + execution.getStatus();
    return switch (execution.getStatus()) {
      case PENDING ->
          execution.getQueuePosition() == null
              ? head
              : head + ", queue position " + execution.getQueuePosition();
      case SUCCEEDED -> head + reuse(execution) + result(execution.getResult());
      case FAILED ->
          head + (execution.getError() == null ? "" : ": " + execution.getError().strip());
      default -> head;
    };
  }

  private static String reuse(Execution execution) {
    if (Boolean.TRUE.equals(execution.getReused()) && execution.getResultAgeMs() != null) {
      return " (a result of " + duration(execution.getResultAgeMs()) + " ago)";
    }
    return "";
  }

  private static String result(Result result) {
    if (result == null) {
      return "";
    }
    long n = result.getRows();
    String rows = n < 0 ? "" : count(n) + (n == 1 ? " row, " : " rows, ");
    return ": " + rows + bytes(result.getBytes()) + ", ran " + duration(result.getDurationMs());
  }

  /** 1,234,567 */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** 1.2M */
  static String compact(long n) {
    if (n < 10_000) {
      return Long.toString(n);
    }
    String[] units = {"k", "M", "G", "T"};
    double value = n;
    int unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, value < 100 ? "%.1f%s" : "%.0f%s", value, units[unit]);
  }

  /** 7.6 MiB */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  }

  /** 0.4 s, 12 s, 3m05s, 2h03m */
  static String duration(long millis) {
    if (millis < 10_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    Duration d = Duration.ofMillis(millis);
    if (d.toMinutes() == 0) {
      return d.toSeconds() + " s";
    }
    if (d.toHours() == 0) {
      return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }
    if (d.toDays() == 0) {
      return String.format(Locale.ROOT, "%dh%02dm", d.toHours(), d.toMinutesPart());
    }
    return String.format(Locale.ROOT, "%dd%02dh", d.toDays(), d.toHoursPart());
  }

  /** A stopwatch: 0:07, 12:34, 1:02:03 */
  static String clock(long millis) {
    long seconds = millis / 1000;
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
    return String.format(
        Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
}
