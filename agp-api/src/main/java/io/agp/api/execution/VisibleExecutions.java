package io.agp.api.execution;

import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Executions as the caller may see them: all for an admin, else those they created or joined. The
 * check is made by the statement that reads the row, not by a filter here; a settled execution
 * already read is answered from its copy ({@link SettledExecutions}) to those the database has let
 * see it.
 */
@Component
public class VisibleExecutions {

  private final ExecutionRepository executions;
  private final Callers callers;
  private final SettledExecutions settled;

  VisibleExecutions(ExecutionRepository executions, Callers callers, SettledExecutions settled) {
    this.executions = executions;
    this.callers = callers;
    this.settled = settled;
  }

  public Caller caller(HttpServletRequest http) {
    return callers.current(http);
  }

  /**
   * The execution, if it exists and the caller may see it; to others it does not exist (404, the
   * same whether it exists or not).
   */
  public Execution find(long id, Caller caller) {
    Execution held = settled.find(id, caller);
    if (held != null) {
      return held;
    }
    Execution read =
        executions
            .getVisible(id, caller.viewer())
            .orElseThrow(() -> new ExecutionNotFoundException(id));
    settled.remember(read, caller);
    return read;
  }
}
