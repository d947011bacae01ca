package io.agp.api;

import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/** A request body or SQL text over the configured size: 413. */
public class SqlTooLargeException extends ApiProblem {

  public SqlTooLargeException(DataSize limit) {
    this(limit.toBytes());
  }

  public SqlTooLargeException(long limitBytes) {
    super(
        HttpStatus.CONTENT_TOO_LARGE,
        "the request is larger than the limit of " + limitBytes + " bytes");
    property("field", "sql");
  }
}
