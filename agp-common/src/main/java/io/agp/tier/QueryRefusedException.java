package io.agp.tier;

/**
 * A query asks for what its tier does not allow: a setting it may not change, a table function or
 * system table it may not reach, a statement it may not run, or a text that versions of ClickHouse
 * read differently. Refused before it is queued or sent.
 */
public class QueryRefusedException extends UnsupportedQueryException {

  private final String field;

  /**
   * @param field what of the request is refused: {@code sql}, or the name of a URL parameter
   */
  public QueryRefusedException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
