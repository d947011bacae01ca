package io.agp.api.execution;

import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Executions as the caller may see them: all for an admin, else those they created or joined. The
 * check is made by the statement that reads the row, not by a filter here.
 */
@Component
public class VisibleExecutions {

  private final ExecutionRepository executions;
  private final Callers callers;

  VisibleExecutions(ExecutionRepository executions, Callers callers) {
    this.executions = executions;
    this.callers = callers;
  }

  public Caller caller(HttpServletRequest http) {
    return callers.current(http);
  }

  /**
   * The execution, if it exists and the caller may see it; to others it does not exist (404, the
   * same whether it exists or not).
   */
  public Execution find(long id, Caller caller) {
    return executions
        .getVisible(id, caller.viewer())
        .orElseThrow(() -> new ExecutionNotFoundException(id));
  }
}
