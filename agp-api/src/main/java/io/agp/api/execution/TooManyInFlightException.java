package io.agp.api.execution;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/** The caller already has the tier's max-pending-per-user executions in flight: 429. */
class TooManyInFlightException extends ApiProblem {

  private final long retryAfterSeconds;

  TooManyInFlightException(String tier, int cap, long retryAfterSeconds) {
    super(
        HttpStatus.TOO_MANY_REQUESTS,
        "you have "
            + cap
            + " executions of tier "
            + tier
            + " pending or running, the most the tier allows one user; wait for some to end");
    this.retryAfterSeconds = retryAfterSeconds;
    header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
  }

  long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
