package io.agp.api.execution;

/** A request the caller's token does not allow (e.g. another tier): 403, naming the field. */
public class ForbiddenException extends RuntimeException {

  private final String field;

  public ForbiddenException(String field, String message) {
    super(message);
    this.field = field;
  }

  String field() {
    return field;
  }
}
