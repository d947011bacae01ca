package io.agp.api.execution;

import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/** Executions as the caller may see them: all for an admin, else only their own. */
@Component
class VisibleExecutions {

  private final ExecutionRepository executions;
  private final Callers callers;

  VisibleExecutions(ExecutionRepository executions, Callers callers) {
    this.executions = executions;
    this.callers = callers;
  }

  Caller caller(HttpServletRequest http) {
    return callers.current(http);
  }

  /** The execution, if it exists and the caller may see it; to others it does not exist (404). */
  Execution find(long id, HttpServletRequest http) {
    Caller caller = callers.current(http);
    return executions
        .get(id)
        .filter(e -> caller.maySee(e.createdBy()))
        .orElseThrow(() -> new ExecutionNotFoundException(id));
  }
}
