package io.agp.api.auth;

/** The caller's name cannot be used (too long to store and index); the API answers 400. */
public class InvalidCallerException extends RuntimeException {

  private final String field;

  InvalidCallerException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The header or token claim that names the caller. */
  public String field() {
    return field;
  }
}
