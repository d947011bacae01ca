package io.agp.api.execution;

import io.agp.execution.Execution;

/** Another SQL is in flight under the query_id of a create. */
class QueryIdConflictException extends RuntimeException {

  private final Execution inFlight;

  QueryIdConflictException(Execution inFlight) {
    super(
        "query_id '"
            + inFlight.queryId()
            + "' is in flight as execution "
            + inFlight.id()
            + " with other SQL");
    this.inFlight = inFlight;
  }

  Execution inFlight() {
    return inFlight;
  }
}
