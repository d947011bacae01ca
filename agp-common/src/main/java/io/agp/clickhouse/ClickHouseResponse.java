package io.agp.clickhouse;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The streamed answer to one query: the headers are in, the body is read as it arrives.
 *
 * <p>Reading {@link #body()} to its end either ends cleanly, meaning the result is complete, or
 * throws: an {@link IOException} when the connection broke, a {@link ClickHouseException} when the
 * server reported an error after it had started sending rows. Closing before the end aborts the
 * exchange, and ClickHouse cancels the query when it notices.
 */
public final class ClickHouseResponse implements AutoCloseable {

  private final ClickHouseHttp.Exchange exchange;
  private final InputStream body;

  ClickHouseResponse(ClickHouseHttp.Exchange exchange, InputStream body) {
    this.exchange = exchange;
    this.body = body;
  }

  /** The result bytes, exactly as ClickHouse wrote them in the requested format. */
  public InputStream body() {
    return body;
  }

  public Optional<String> header(String name) {
    return exchange.header(name);
  }

  /** Every header of the answer, in the order the server sent them. */
  public List<Map.Entry<String, String>> headers() {
    return exchange.headers();
  }

  /** The HTTP status: 200 for an answer of {@link ClickHouseClient#execute}, any for a forward. */
  public int status() {
    return exchange.status();
  }

  /** The summary the server sent with the head of its answer, if any (see {@link QuerySummary}). */
  public Optional<QuerySummary> summary() {
    return header(QuerySummary.HEADER).flatMap(QuerySummary::parse);
  }

  /** Ends the exchange; from any thread, and before the body's end it cuts the connection. */
  @Override
  public void close() {
    exchange.close();
  }
}
