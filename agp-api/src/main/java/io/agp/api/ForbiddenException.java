package io.agp.api;

import org.springframework.http.HttpStatus;

/** A request the caller's token does not allow (e.g. another tier): 403, naming the field. */
public class ForbiddenException extends ApiProblem {

  private final String field;

  public ForbiddenException(String field, String message) {
    super(HttpStatus.FORBIDDEN, message);
    this.field = field;
    property("field", field);
  }

  String field() {
    return field;
  }
}
