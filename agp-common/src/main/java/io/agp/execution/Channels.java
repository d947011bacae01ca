package io.agp.execution;

import java.util.Optional;

/** The PostgreSQL notification channels between the apps, and what their payloads say. */
public final class Channels {

  /** A tier has new PENDING executions. Payload: the tier. The workers listen. */
  public static final String PENDING = "agp_execution_pending";

  /**
   * A RUNNING execution was canceled (sent by a trigger of the executions table). Payload: its id.
   * The workers listen, to stop its query at once.
   */
  public static final String CANCELED = "agp_execution_canceled";

  /**
   * An execution changed status or progress. Payload: {@code id:STATUS}, never anything of the
   * query. The API instances listen, to wake the requests waiting for that execution.
   */
  public static final String CHANGED = "agp_execution_changed";

  private Channels() {}

  static String changed(long executionId, ExecutionStatus status) {
    return executionId + ":" + status.name();
  }

  /** The execution id of a {@link #CHANGED} payload, if it is one. */
  public static Optional<Long> changedExecution(String payload) {
    int colon = payload == null ? -1 : payload.indexOf(':');
    try {
      return Optional.of(Long.parseLong(colon < 0 ? payload : payload.substring(0, colon)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
