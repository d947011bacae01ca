package io.agp.api.result;

import io.agp.api.ApiProblem;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import org.springframework.http.HttpStatus;

/** A result was asked for an execution that has none (yet, or any more). */
class ResultNotAvailableException extends ApiProblem {

  private final boolean gone;

  ResultNotAvailableException(Execution execution) {
    super(
        execution.status() == ExecutionStatus.EXPIRED ? HttpStatus.GONE : HttpStatus.NOT_FOUND,
        execution.status() == ExecutionStatus.EXPIRED
            ? "the result of execution " + execution.id() + " has expired"
            : "execution " + execution.id() + " is " + execution.status() + ": no result");
    this.gone = execution.status() == ExecutionStatus.EXPIRED;
  }

  boolean gone() {
    return gone;
  }
}
