package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.EventStream;
import io.agp.api.testing.EventStream.Event;
import io.agp.api.testing.TestApi;
import io.agp.execution.AttemptId;
import io.agp.execution.Progress;
import io.agp.execution.ProgressSample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** GET /executions/{id}/events: the live state of an execution as a text/event-stream. */
class LiveEventsTest {

  private static final Duration SOON = Duration.ofSeconds(10);

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  private long create() {
    return client
        .postSql("/v1/async/executions", "SELECT '" + UUID.randomUUID() + "'")
        .json()
        .get("id")
        .asLong();
  }

  private EventStream open(long id, String... headers) {
    ExecutionChanges changes = api.context.getBean(ExecutionChanges.class);
    await().atMost(SOON).until(() -> !changes.watches(id));
    EventStream stream =
        EventStream.open(api.url("/v1/async/executions/" + id + "/events"), headers);
    // Changes made before the stream listens would be found only by its first read.
    await().atMost(SOON).until(() -> changes.watches(id));
    return stream;
  }

  @Test
  void aStreamTellsTheStateThenEachChangeThenTheEndAndCloses() throws Exception {
    long id = create();
    try (EventStream stream = open(id)) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.contentType()).startsWith("text/event-stream");
      Event first = stream.next(SOON);
      assertThat(first.name()).isEqualTo("status");
      assertThat(first.json().get("status").asString()).isEqualTo("PENDING");
      assertThat(first.json().get("id").asLong()).isEqualTo(id);

      AttemptId attemptId = api.start(id);
      Event running = stream.next(SOON);
      assertThat(running.name()).isEqualTo("status");
      assertThat(running.json().get("status").asString()).isEqualTo("RUNNING");
      assertThat(running.id()).isNotEqualTo(first.id());

      api.repository()
          .recordProgress(
              List.of(new ProgressSample(attemptId, new Progress(5, 50, 20, 100, 1, 1))));
      Event progress = stream.next(SOON);
      assertThat(progress.name()).isEqualTo("progress");
      assertThat(progress.json().get("progress").get("percent").asDouble()).isEqualTo(25.0);

      api.succeed(attemptId, "{}".getBytes(StandardCharsets.UTF_8), null);
      Event done = stream.next(SOON);
      assertThat(done.name()).isEqualTo("status");
      assertThat(done.json().get("status").asString()).isEqualTo("SUCCEEDED");
      assertThat(stream.next(SOON).isEnd()).isTrue();
    }
  }

  @Test
  void aClientThatComesBackWithLastEventIdGetsOnlyWhatItHasNotSeen() throws Exception {
    long id = create();
    AttemptId attemptId = api.start(id);
    String seen;
    try (EventStream stream = open(id)) {
      Event running = stream.next(SOON);
      assertThat(running.json().get("status").asString()).isEqualTo("RUNNING");
      seen = running.id();
    }

    try (EventStream again = open(id, "Last-Event-ID", seen)) {
      assertThat(again.nextOrNone(Duration.ofMillis(500))).isNull();
      api.repository()
          .recordProgress(
              List.of(new ProgressSample(attemptId, new Progress(7, 70, 0, 100, 1, 1))));
      Event next = again.next(SOON);
      assertThat(next.json().get("progress").get("rows").asLong()).isEqualTo(7);
    }
  }

  @Test
  void anEndedExecutionsStreamSendsItsFinalStateAndEnds() throws Exception {
    long id = create();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);

    try (EventStream stream = EventStream.open(api.url("/v1/async/executions/" + id + "/events"))) {
      Event only = stream.next(SOON);
      assertThat(only.json().get("status").asString()).isEqualTo("SUCCEEDED");
      assertThat(stream.next(SOON).isEnd()).isTrue();
    }
  }

  @Test
  void aQuietStreamGetsKeepAliveComments() throws Exception {
    long id = create();
    try (EventStream stream = open(id)) {
      stream.next(SOON);
      Event comment = stream.nextOfAnyKind(SOON);
      assertThat(comment.name()).isEqualTo(":");
      assertThat(comment.data()).isEqualTo("keep-alive");
    }
  }

  @Test
  void anUnknownExecutionIsAProblemAndAnUnknownLastEventIdSendsTheState() throws Exception {
    ContractClient.Reply unknown = client.get("/v1/async/executions/987654321/events");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");

    long id = create();
    try (EventStream stream = open(id, "Last-Event-ID", "yesterday")) {
      assertThat(stream.next(SOON).json().get("status").asString()).isEqualTo("PENDING");
    }
  }
}
