package io.agp.cli;

import io.agp.client.model.Execution;
import io.agp.client.model.Status;
import java.io.PrintStream;
import org.jspecify.annotations.Nullable;

/** One line per change of status, for logs and pipes: nothing is redrawn. */
final class StatusLines implements Display {

  private final PrintStream err;
  private @Nullable Status shown;
  private boolean ended;

  StatusLines(PrintStream err) {
    this.err = err;
  }

  @Override
  public synchronized void show(Execution execution) {
    if (!ended && execution.getStatus() != shown) {
      shown = execution.getStatus();
      err.println(Describe.status(execution));
      err.flush();
    }
  }

  @Override
  public void downloading(long done, long total) {}

  @Override
  public synchronized void end(Execution execution, @Nullable String outcome) {
    show(execution);
    if (!ended && outcome != null) {
      err.println("#" + execution.getId() + " " + outcome);
      err.flush();
    }
    ended = true;
  }

  @Override
  public synchronized void end(@Nullable String line) {
    if (!ended && line != null) {
      err.println(line);
      err.flush();
    }
    ended = true;
  }
}
