package io.agp.api.execution;

import org.springframework.util.unit.DataSize;

class SqlTooLargeException extends RuntimeException {

  SqlTooLargeException(DataSize limit) {
    super("the SQL text is longer than the limit of " + limit.toBytes() + " bytes");
  }
}
