package io.agp.api.execution;

import io.agp.api.ApiProblem;
import io.agp.execution.Execution;
import org.springframework.http.HttpStatus;

/** A cancel of an execution that has already ended: 409. */
class ExecutionNotInFlightException extends ApiProblem {

  private final long id;

  ExecutionNotInFlightException(Execution execution) {
    super(
        HttpStatus.CONFLICT,
        "execution "
            + execution.id()
            + " is "
            + execution.status()
            + ": only a PENDING or RUNNING execution can be canceled");
    this.id = execution.id();
    property("execution_id", id);
  }

  long id() {
    return id;
  }
}
