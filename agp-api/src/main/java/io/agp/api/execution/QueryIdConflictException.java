package io.agp.api.execution;

import io.agp.api.ApiProblem;
import io.agp.api.auth.Caller;
import io.agp.execution.Execution;
import org.springframework.http.HttpStatus;

/**
 * Another SQL is in flight under the query_id of a create. The caller learns which execution only
 * if they may act on it (its creator, an admin): to anyone else it is "another user's", so that a
 * refusal reveals no other user's execution.
 */
class QueryIdConflictException extends ApiProblem {

  private final Long executionId;

  QueryIdConflictException(Execution inFlight, Caller caller) {
    super(HttpStatus.CONFLICT, message(inFlight, revealed(inFlight, caller)));
    this.executionId = revealed(inFlight, caller) ? inFlight.id() : null;
    property("execution_id", executionId);
    property("field", "query_id");
  }

  private static boolean revealed(Execution inFlight, Caller caller) {
    return caller.owner() == null || caller.owner().equals(inFlight.createdBy());
  }

  private static String message(Execution inFlight, boolean revealed) {
    return revealed
        ? "query_id '"
            + inFlight.queryId()
            + "' is in flight as execution "
            + inFlight.id()
            + " with other SQL; send replace: true to cancel it and run this one"
        : "query_id '"
            + inFlight.queryId()
            + "' is in flight in tier "
            + inFlight.tier()
            + " with other SQL, created by another user; choose another query_id";
  }

  /** The in-flight execution's id when the caller may know it, else null. */
  Long executionId() {
    return executionId;
  }
}
