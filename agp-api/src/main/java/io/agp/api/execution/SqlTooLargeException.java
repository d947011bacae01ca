package io.agp.api.execution;

import org.springframework.util.unit.DataSize;

/** A request body or SQL text over the configured size: 413. */
public class SqlTooLargeException extends RuntimeException {

  public SqlTooLargeException(DataSize limit) {
    this(limit.toBytes());
  }

  public SqlTooLargeException(long limitBytes) {
    super("the request is larger than the limit of " + limitBytes + " bytes");
  }
}
