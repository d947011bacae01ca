package io.agp.api.interactive;

/** A tier, or its user, runs as many interactive queries on this API instance as allowed: 429. */
public class TooManyInteractiveQueriesException extends RuntimeException {

  /** When to try again, in seconds: interactive queries are short, a slot frees up soon. */
  public static final long RETRY_AFTER_SECONDS = 1;

  TooManyInteractiveQueriesException(String message) {
    super(message);
  }
}
