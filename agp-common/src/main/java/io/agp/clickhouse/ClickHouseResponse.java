package io.agp.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
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

  private final HttpHeaders headers;
  private final InputStream body;
  private final Runnable onClose;

  ClickHouseResponse(HttpHeaders headers, InputStream body) {
    this(headers, body, () -> {});
  }

  ClickHouseResponse(HttpHeaders headers, InputStream body, Runnable onClose) {
    this.headers = headers;
    this.body = body;
    this.onClose = onClose;
  }

  /** The result bytes, exactly as ClickHouse wrote them in the requested format. */
  public InputStream body() {
    return body;
  }

  public Optional<String> header(String name) {
    return headers.firstValue(name);
  }

  /** The summary the server sent with the head of its answer, if any (see {@link QuerySummary}). */
  public Optional<QuerySummary> summary() {
    return header(QuerySummary.HEADER).flatMap(QuerySummary::parse);
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close ClickHouse response", e);
    } finally {
      onClose.run();
    }
  }
}
