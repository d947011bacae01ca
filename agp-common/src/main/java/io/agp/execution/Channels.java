package io.agp.execution;

import java.util.Optional;

/** The PostgreSQL notification channels between the apps, and what their payloads say. */
public final class Channels {

  /**
   * A tier has new PENDING executions. Payload: {@code count:nonce:tier} from a create, for the
   * workers to share out (see {@link PendingWake}), or the tier alone (an execution back to
   * PENDING, from a trigger): every worker of the tier looks. The workers listen.
   */
  public static final String PENDING = "agp_execution_pending";

  /** A worker's listener joined or left the fleet (payload empty). The workers listen. */
  public static final String WORKERS = "agp_workers_changed";

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

  /**
   * What a {@link #PENDING} notification asks of the workers of a tier.
   *
   * @param count how many executions it announces, to be shared out among the tier's workers
   *     starting at the one at place {@code nonce} (modulo their number); 0 when every worker is to
   *     look
   */
  public record PendingWake(String tier, int count, int nonce) {

    /** Whether every worker of the tier is to look, rather than a share of them. */
    public boolean everyone() {
      return count <= 0;
    }

    /**
     * The executions for the worker at {@code place} out of {@code workers}: the count dealt round
     * the workers one by one, from the nonce's place on.
     */
    public int shareOf(int place, int workers) {
      int from = Math.floorMod(place - nonce, workers);
      return count / workers + (from < count % workers ? 1 : 0);
    }
  }

  /** The payload of a {@link #PENDING} notification of {@code count} new executions. */
  static String pending(String tier, int count, int nonce) {
    return count + ":" + nonce + ":" + tier;
  }

  /** Reads a {@link #PENDING} payload; one that is not {@code count:nonce:tier} is a tier. */
  public static PendingWake pendingWake(String payload) {
    String[] parts = payload.split(":", 3);
    if (parts.length == 3) {
      try {
        int count = Integer.parseInt(parts[0]);
        int nonce = Integer.parseInt(parts[1]);
        if (count > 0 && nonce >= 0) {
          return new PendingWake(parts[2], count, nonce);
        }
      } catch (NumberFormatException e) {
        // A tier name with colons in it.
      }
    }
    return new PendingWake(payload, 0, 0);
  }

  static String changed(long executionId, ExecutionStatus status) {
    return executionId + ":" + status.name();
  }

  /** The status an execution changed to, from a {@link #CHANGED} payload, if it names one. */
  public static Optional<ExecutionStatus> changedStatus(String payload) {
    int colon = payload == null ? -1 : payload.indexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(ExecutionStatus.valueOf(payload.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
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
