package io.agp.clickhouse;

/**
 * A query that ClickHouse refused or failed, or a server that could not be reached.
 *
 * <p>{@link #isTransient()} tells the caller whether trying again later may succeed: the server was
 * unreachable, overloaded or went away. Errors of the query itself (syntax, limits, a function that
 * throws) are not transient: the same query would fail the same way.
 */
public class ClickHouseException extends RuntimeException {

  private final int code;
  private final boolean transientFailure;

  public ClickHouseException(String message, int code, boolean transientFailure) {
    this(message, code, transientFailure, null);
  }

  public ClickHouseException(String message, int code, boolean transientFailure, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.transientFailure = transientFailure;
  }

  /** The ClickHouse error code ({@code Code: 62} is a syntax error); 0 when unknown. */
  public int code() {
    return code;
  }

  public boolean isTransient() {
    return transientFailure;
  }
}
