package io.agp.api.interactive;

import static org.awaitility.Awaitility.await;

import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the tests of the interactive APIs need to play a client that sends a slow query and goes
 * away: the query, a request whose answer is never read, and ClickHouse's view of the query.
 */
final class SlowClients {

  private SlowClients() {}

  /** A query of about a minute that reads a block every tenth of a second, named by a marker. */
  static String slowQuery(String marker) {
    return "SELECT sleepEachRow(0.1), '"
        + marker
        + "' FROM system.numbers LIMIT 600 SETTINGS max_block_size = 1";
  }

  /**
   * Sends a request on a socket of its own and leaves the answer unread.
   *
   * @param head the header lines after Host, each ending with CRLF
   * @param body the body, or null for none
   */
  static Socket send(String method, URI url, String head, byte[] body) throws IOException {
    Socket socket = new Socket(url.getHost(), url.getPort());
    OutputStream out = socket.getOutputStream();
    out.write(
        (method
                + " "
                + url.getRawPath()
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery())
                + " HTTP/1.1\r\nHost: localhost\r\n"
                + head
                + (body == null ? "" : "Content-Length: " + body.length + "\r\n")
                + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      out.write(body);
    }
    out.flush();
    return socket;
  }

  /** How many queries with the marker ClickHouse runs now (not counting this one). */
  static int running(ClickHouseTestServer clickhouse, String marker) {
    return Integer.parseInt(
        clickhouse
            .query(
                "SELECT count() FROM system.processes WHERE query LIKE '%"
                    + marker
                    + "%' AND query NOT LIKE '%system.processes%'")
            .strip());
  }

  static void awaitRunning(ClickHouseTestServer clickhouse, String marker) {
    await().atMost(Duration.ofSeconds(10)).until(() -> running(clickhouse, marker) == 1);
  }

  /**
   * Closes the client's socket and waits, at most a second, until ClickHouse runs the query no
   * more.
   *
   * @return how long that took, in milliseconds
   */
  static long leaveAndAwaitKilled(Socket client, ClickHouseTestServer clickhouse, String marker)
      throws IOException {
    long closed = System.nanoTime();
    client.close();
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> running(clickhouse, marker) == 0);
    return (System.nanoTime() - closed) / 1_000_000;
  }
}
