package io.agp.api.execution;

/** The caller already has the tier's max-pending-per-user executions in flight: 429. */
class TooManyInFlightException extends RuntimeException {

  private final long retryAfterSeconds;

  TooManyInFlightException(String tier, int cap, long retryAfterSeconds) {
    super(
        "you have "
            + cap
            + " executions of tier "
            + tier
            + " pending or running, the most the tier allows one user; wait for some to end");
    this.retryAfterSeconds = retryAfterSeconds;
  }

  long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
