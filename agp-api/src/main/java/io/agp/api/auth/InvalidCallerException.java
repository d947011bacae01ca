package io.agp.api.auth;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

/** The caller's name cannot be used (too long to store and index); the API answers 400. */
public class InvalidCallerException extends ApiProblem {

  private final String field;

  InvalidCallerException(String field, String message) {
    super(HttpStatus.BAD_REQUEST, message);
    this.field = field;
    property("field", field);
  }

  /** The header or token claim that names the caller. */
  public String field() {
    return field;
  }
}
