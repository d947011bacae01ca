package io.agp.api.interactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The API's two event streams, an execution's live events and a synchronous run's, as a client
 * reads them byte for byte: the same head, the same framing of events and keep-alive comments.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventFramingTest {

  private static final Duration SOON = Duration.ofSeconds(20);

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final TestApi api =
      TestApi.start(
          "--agp.tiers.default.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.api.events-keep-alive=200ms",
          "--agp.api.interactive.progress-interval=100ms");

  @AfterAll
  void stop() {
    api.context.close();
  }

  @Test
  void liveEventsAndASyncRunFrameEventsAndKeepAlivesAlike() throws Exception {
    long id =
        api.client
            .postSql("/v1/async/executions", "SELECT '" + UUID.randomUUID() + "'")
            .json()
            .get("id")
            .asLong();
    Raw live =
        Raw.open(
            HttpRequest.newBuilder(api.url("/v1/async/executions/" + id + "/events"))
                .header("Accept", "text/event-stream")
                .GET());
    await().atMost(SOON).until(() -> live.text().contains("\n: keep-alive\n\n"));
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);
    await().atMost(SOON).until(live::ended);

    // A result as ClickHouse writes JSON spans many lines.
    String sql = "SELECT sleep(0.5) AS slept, 'one\\ntwo' AS text, number FROM numbers(3)";
    Raw run =
        Raw.open(
            HttpRequest.newBuilder(api.url("/v1/sync/run?stream=true"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(sql)));
    await().atMost(SOON).until(run::ended);

    for (String header : List.of("Content-Type", "Cache-Control", "X-Accel-Buffering")) {
      assertThat(live.header(header)).as(header).isEqualTo(run.header(header));
    }
    assertThat(run.header("Content-Type")).isEqualTo("text/event-stream;charset=UTF-8");
    assertThat(run.header("X-Accel-Buffering")).isEqualTo("no");

    for (Raw stream : List.of(live, run)) {
      assertThat(stream.text()).endsWith("\n\n");
      assertThat(stream.text().lines())
          .allSatisfy(
              line ->
                  assertThat(line)
                      .as("a line of\n%s", stream.text())
                      .matches("|event: [a-z]+|id: [0-9a-f]+|data: .*|: keep-alive"));
    }
    assertThat(live.text())
        .startsWith("id: ")
        .containsPattern("\nid: [0-9a-f]{16}\nevent: status\ndata: \\{\"id\":" + id + ",");

    String json = SyncRunTest.withoutTimings(clickhouse.query(sql + " FORMAT JSON"));
    List<String> data = new ArrayList<>();
    // The data's last line break ends the data, as it would in a file.
    for (String line : json.substring(0, json.length() - 1).split("\n", -1)) {
      data.add("data: " + line);
    }
    assertThat(SyncRunTest.withoutTimings(run.text()))
        .as("the result as ClickHouse writes it, one data line per line")
        .contains("\nevent: result\n" + String.join("\n", data) + "\n\n");
    assertThat(data).hasSizeGreaterThan(10);
  }

  /** A response's head and body as they came, the body read as it comes. */
  private static final class Raw {

    private final HttpResponse<InputStream> response;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private volatile boolean ended;

    private Raw(HttpResponse<InputStream> response) {
      this.response = response;
      Thread.ofVirtual().start(this::read);
    }

    static Raw open(HttpRequest.Builder request) throws Exception {
      return new Raw(
          HttpClient.newHttpClient()
              .send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private void read() {
      try (InputStream in = response.body()) {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          synchronized (body) {
            body.write(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        // ended short: text() shows how far it got
      } finally {
        ended = true;
      }
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    String text() {
      synchronized (body) {
        return body.toString(StandardCharsets.UTF_8);
      }
    }

    boolean ended() {
      return ended;
    }
  }
}
