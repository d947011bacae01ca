package io.agp.clickhouse;

/**
 * No connection to the server could be made (refused, or the connect timeout passed): the query was
 * not sent, so it certainly does not run there, and another node of the same cluster may take it at
 * once. Always transient.
 */
public class ClickHouseUnreachableException extends ClickHouseException {

  public ClickHouseUnreachableException(String message, Throwable cause) {
    super(message, 0, true, cause);
  }
}
