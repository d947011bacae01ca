package io.agp.api.interactive;

import io.agp.clickhouse.ClickHouseException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes an answer's body from ClickHouse to the client as it comes, in the thread of the request:
 * a failed write means the client left, and its query is killed; a failed read means ClickHouse
 * failed mid-way, and the client's connection is dropped so that it sees the answer end short.
 */
final class Relay {

  private static final Logger log = LoggerFactory.getLogger(Relay.class);

  private static final int BUFFER = 64 * 1024;

  private Relay() {}

  /** Copies the body into the response, whose status and headers are set. */
  static void copy(
      RunningQuery query,
      InputStream body,
      HttpServletResponse response,
      ClientConnections.ClientConnection client) {
    OutputStream out;
    try {
      out = response.getOutputStream();
    } catch (IOException e) {
      query.kill();
      return;
    }
    byte[] buffer = new byte[BUFFER];
    while (true) {
      int n;
      try {
        n = body.read(buffer);
      } catch (IOException | ClickHouseException e) {
        if (!query.killed()) {
          log.info("query {} failed after its first bytes: {}", query.queryId(), e.toString());
          query.ended(RunningQuery.Outcome.FAILED);
          client.drop(e);
        }
        return;
      }
      try {
        if (n < 0) {
          out.flush();
          query.ended(RunningQuery.Outcome.SUCCEEDED);
          return;
        }
        out.write(buffer, 0, n);
        query.passed(n);
        if (body.available() == 0) {
          // Rows that trickle in reach the client as they come.
          out.flush();
        }
      } catch (IOException e) {
        query.kill();
        return;
      }
    }
  }
}
