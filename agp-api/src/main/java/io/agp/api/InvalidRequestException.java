package io.agp.api;

import org.springframework.http.HttpStatus;

/** A request the API refuses with 400, naming the field at fault. */
public class InvalidRequestException extends ApiProblem {

  private final String field;

  public InvalidRequestException(String field, String message) {
    super(HttpStatus.BAD_REQUEST, message);
    this.field = field;
    property("field", field);
  }

  String field() {
    return field;
  }
}
