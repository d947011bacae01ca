package io.agp.worker.run;

/** The query asks for something the tier's ClickHouse cannot do; running it again will not help. */
class UnsupportedQueryException extends RuntimeException {

  UnsupportedQueryException(String message) {
    super(message);
  }
}
