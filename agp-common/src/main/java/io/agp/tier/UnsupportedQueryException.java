package io.agp.tier;

/** The query asks for something the tier's ClickHouse cannot do; running it again will not help. */
public class UnsupportedQueryException extends RuntimeException {

  public UnsupportedQueryException(String message) {
    super(message);
  }
}
