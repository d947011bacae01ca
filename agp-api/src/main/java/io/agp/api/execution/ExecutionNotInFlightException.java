package io.agp.api.execution;

import io.agp.execution.Execution;

/** A cancel of an execution that has already ended: 409. */
class ExecutionNotInFlightException extends RuntimeException {

  private final long id;

  ExecutionNotInFlightException(Execution execution) {
    super(
        "execution "
            + execution.id()
            + " is "
            + execution.status()
            + ": only a PENDING or RUNNING execution can be canceled");
    this.id = execution.id();
  }

  long id() {
    return id;
  }
}
