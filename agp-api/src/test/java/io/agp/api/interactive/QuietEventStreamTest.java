package io.agp.api.interactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A synchronous run's event stream with no progress to tell (the feed does not run): its head comes
 * at once all the same, and a client that leaves is found by its connection, not by a write.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuietEventStreamTest {

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.api.events-keep-alive=1h",
          "--agp.api.interactive.progress-interval=1h");

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void theHeadComesBeforeAnyEventAndAClientThatLeavesHasItsQueryKilled() throws Exception {
    String marker = UUID.randomUUID().toString();
    Socket socket =
        SlowClients.send(
            "POST",
            api.url("/v1/sync/run?stream=true"),
            "X-AGP-User: tester\r\nContent-Type: text/plain\r\n",
            SlowClients.slowQuery(marker).getBytes(StandardCharsets.UTF_8));
    // The query runs a minute: a head read before then came before any event.
    socket.setSoTimeout(10_000);
    String head = head(socket.getInputStream());
    assertThat(head)
        .startsWith("HTTP/1.1 200")
        .contains("Content-Type: text/event-stream;charset=UTF-8", "X-AGP-Query-Id: agp-sync-");
    SlowClients.awaitRunning(clickhouse, marker);
    SlowClients.leaveAndAwaitKilled(socket, clickhouse, marker);
  }

  /** The status line and headers, up to the blank line. */
  private static String head(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
