package io.agp.execution;

import java.time.Instant;

/**
 * The completion callback of an execution, and where its delivery stands.
 *
 * @param url where the execution's JSON is POSTed when it ends; it may carry a secret of the
 *     receiver, so only the execution's creator is shown it, and it is never logged
 * @param attempts attempts made so far, counting the one under way
 * @param lastStatus the HTTP status of the last attempt, or null when it got none
 * @param lastError why the last attempt failed, or null
 * @param nextAttemptAt when the next attempt is due, while {@link State#PENDING}
 * @param deliveredAt when a 2xx answered, once {@link State#DELIVERED}
 */
public record Callback(
    String url,
    State state,
    int attempts,
    Integer lastStatus,
    String lastError,
    Instant nextAttemptAt,
    Instant deliveredAt) {

  /** Where a callback stands; the database's {@code callback_state} in upper case. */
  public enum State {
    /** The execution is in flight. */
    WAITING,
    /** The execution ended: the callback is to be sent, or sent again after a failed attempt. */
    PENDING,
    /** A 2xx answered. */
    DELIVERED,
    /** No attempt got a 2xx before the callback was too old: given up. */
    FAILED
  }
}
