package io.agp.api.interactive;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/** A tier, or its user, runs as many interactive queries on this API instance as allowed: 429. */
public class TooManyInteractiveQueriesException extends ApiProblem {

  /** When to try again, in seconds: interactive queries are short, a slot frees up soon. */
  public static final long RETRY_AFTER_SECONDS = 1;

  TooManyInteractiveQueriesException(String message) {
    super(HttpStatus.TOO_MANY_REQUESTS, message);
    header(HttpHeaders.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS));
  }
}
