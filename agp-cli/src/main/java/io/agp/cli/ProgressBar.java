package io.agp.cli;

import io.agp.client.model.Estimate;
import io.agp.client.model.Execution;
import io.agp.client.model.Progress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One line on the terminal, redrawn in place: the queue position while PENDING; rows, bytes,
 * percent and the time left while RUNNING; the bytes written while the result downloads; the time
 * since the command began throughout, which also shows that it has not hung. It never grows wider
 * than the terminal (a wrapped line could not be redrawn), and ends as one clean line with the
 * outcome.
 */
final class ProgressBar implements Display {

  private static final long TICK_MILLIS = 200;
  private static final String CLEAR_TO_END = "\033[K";

  private final PrintStream err;
  private final ScheduledExecutorService ticker;
  private volatile int columns;
  private @Nullable Execution latest;
  private long downloaded = -1;
  private long downloadTotal = -1;
  private String drawn = "";
  private boolean ended;

  ProgressBar(PrintStream err, int columns, Map<String, String> env) {
    this.err = err;
    this.columns = columns;
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "agp-progress");
              thread.setDaemon(true);
              return thread;
            });
    ticker.scheduleAtFixedRate(this::redraw, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    Signals.onResize(
        () -> {
          int now = Terminal.columns(env);
          if (now > 0) {
            this.columns = now;
          }
        });
  }

  @Override
  public synchronized void show(Execution execution) {
    latest = execution;
    redraw();
  }

  @Override
  public synchronized void downloading(long done, long total) {
    downloaded = done;
    downloadTotal = total;
    // The ticker redraws; a redraw per buffer written would cost more than the download.
  }

  @Override
  public synchronized void end(Execution execution, @Nullable String outcome) {
    end(Describe.status(execution) + (outcome == null ? "" : "; " + outcome));
  }

  @Override
  public synchronized void end(@Nullable String line) {
    if (ended) {
      return;
    }
    ended = true;
    ticker.shutdownNow();
    err.print("\r" + CLEAR_TO_END + (line == null ? "" : line + System.lineSeparator()));
    err.flush();
  }

  private synchronized void redraw() {
    if (ended || latest == null) {
      return;
    }
    String line = fit(render(latest));
    if (!line.equals(drawn)) {
      err.print("\r" + line + CLEAR_TO_END);
      err.flush();
      drawn = line;
    }
  }

  private String render(Execution execution) {
    String head = "#" + execution.getId() + " ";
    String clock = "  " + Describe.clock((System.nanoTime() - Agp.STARTED) / 1_000_000);
    if (downloaded >= 0) {
      String amount =
          Describe.bytes(downloaded)
              + (downloadTotal > 0 ? " of " + Describe.bytes(downloadTotal) : "");
      return withBar(
          head + "downloading",
          downloadTotal > 0 ? (double) downloaded / downloadTotal : -1,
          "  " + amount + clock);
    }
    return switch (execution.getStatus()) {
      case PENDING ->
          head
              + "PENDING"
              + (execution.getQueuePosition() == null
                  ? ""
                  : "  queue position " + execution.getQueuePosition())
              + clock;
      case RUNNING -> running(head, execution.getProgress(), execution.getEstimate(), clock);
      default -> head + execution.getStatus() + clock;
    };
  }

  private String running(
      String head, @Nullable Progress progress, @Nullable Estimate estimate, String clock) {
    if (progress == null) {
      return head + "RUNNING" + clock;
    }
    String left =
        estimate == null ? "" : "  ~" + Describe.duration(estimate.getRemainingMs()) + " left";
    String figures =
        "  "
            + Describe.compact(progress.getRows())
            + " rows  "
            + Describe.bytes(progress.getBytes())
            + clock
            + left;
    double fraction =
        progress.getPercent() == null ? -1 : progress.getPercent().doubleValue() / 100;
    return withBar(head + "RUNNING", fraction, figures);
  }

  /** {@code before [=====> ] 42% after}, the bar as wide as the terminal allows. */
  private String withBar(String before, double fraction, String after) {
    if (fraction < 0) {
      return before + after;
    }
    double clamped = Math.clamp(fraction, 0, 1);
    String percent = String.format(Locale.ROOT, " %3d%%", (int) Math.floor(clamped * 100));
    int room = columns - 1 - before.length() - after.length() - percent.length() - 4;
    if (room < 10) {
      return before + percent + after;
    }
    int width = Math.min(room, 40);
    int full = (int) Math.floor(clamped * width);
    StringBuilder bar = new StringBuilder("  [");
    bar.append("=".repeat(full));
    if (full < width) {
      bar.append('>').append(" ".repeat(width - full - 1));
    }
    return before + bar.append(']') + percent + after;
  }

  private String fit(String line) {
    int room = Math.max(columns - 1, 10);
    return line.length() <= room ? line : line.substring(0, room);
  }
}
