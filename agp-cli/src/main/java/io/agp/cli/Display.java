package io.agp.cli;

import io.agp.client.model.Execution;
import java.io.PrintStream;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a command shows an execution on its way, on standard error: a bar redrawn in place on a
 * terminal, one line per change of status anywhere else (a pipe, a file, CI).
 */
sealed interface Display permits ProgressBar, StatusLines {

  /** The bar on a terminal, lines otherwise. */
  static Display on(PrintStream err, Map<String, String> env) {
    int columns = Terminal.columns(env);
    return columns > 0 ? new ProgressBar(err, columns, env) : new StatusLines(err);
  }

  /** The execution as it now is. */
  void show(Execution execution);

  /** Bytes of the result written so far, of {@code total} (-1 when unknown). */
  void downloading(long done, long total);

  /** Ends the display with the execution's final state and, when there is one, where it went. */
  void end(Execution execution, @Nullable String outcome);

  /** Ends the display with a line of its own (an interruption), or with none (an error follows). */
  void end(@Nullable String line);
}
