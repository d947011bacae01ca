package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Channels;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NotificationListener;
import io.agp.testkit.FreezableProxy;
import io.agp.testkit.PostgresTestServer;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The notification listener outlives what may go wrong on its connection: a payload it cannot read
 * is logged and skipped, and a connection that stops answering without a reset (a frozen link, a
 * failover behind a firewall) is found dead within six check intervals and opened again.
 */
class ListenerRobustnessTest {

  @Test
  void malformedPayloadsAreSkippedAndTheSameListenerGoesOn() throws Exception {
    String results = Files.createTempDirectory("agp-listener").toUri().toString();
    // A poll far longer than the test: only a notification explains a prompt claim.
    try (WorkerStack stack =
        WorkerStack.start(
            Map.of("agp.results.location", results, "agp.worker.poll-interval", "5m"))) {
      int listener = stack.awaitListener();

      for (String[] notification :
          List.of(
              new String[] {Channels.CANCELED, "not-a-number"},
              new String[] {Channels.CANCELED, ""},
              new String[] {Channels.PENDING, "99999999999:x:default"},
              new String[] {Channels.PENDING, "unknown-tier"},
              new String[] {Channels.WORKERS, "anything"})) {
        stack
            .jdbc()
            .sql("select pg_notify(:channel, :payload)")
            .param("channel", notification[0])
            .param("payload", notification[1])
            .query()
            .listOfRows();
      }
      Execution done =
          stack.awaitStatus(
              stack.create("SELECT 1", "JSON", "default"),
              ExecutionStatus.SUCCEEDED,
              Duration.ofSeconds(10));

      assertThat(Duration.between(done.createdAt(), done.pickedAt()))
          .isLessThan(Duration.ofSeconds(2));
      // The same session: the listener neither died nor had to reconnect.
      assertThat(stack.listeners()).containsExactly(listener);
    }
  }

  @Test
  void aFrozenConnectionIsFoundDeadWithinSixChecksAndOpenedAgain() throws Exception {
    PostgresTestServer postgres = PostgresTestServer.shared();
    String database = postgres.newDatabase();
    Duration check = Duration.ofMillis(500);
    try (FreezableProxy proxy =
        new FreezableProxy(URI.create("tcp://127.0.0.1:" + postgres.port()))) {
      String throughProxy =
          database.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.uri().getPort() + "/");
      Recorder recorder = new Recorder();
      NotificationListener listener =
          new NotificationListener(
              new NotificationListener.Target(throughProxy, postgres.user(), ""),
              "agp-test-listener",
              List.of("agp_test_channel"),
              recorder,
              check);
      listener.start();
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.listening.get() == 1);

        long frozen = System.nanoTime();
        proxy.freeze();
        await().atMost(Duration.ofSeconds(15)).until(() -> recorder.lostAt.get() != 0);
        Duration detected = Duration.ofNanos(recorder.lostAt.get() - frozen);

        // One check interval of waiting, then a check whose answer never comes: six intervals.
        assertThat(detected).isBetween(check.multipliedBy(5), check.multipliedBy(6 + 8));

        proxy.thaw();
        await().atMost(Duration.ofSeconds(15)).until(() -> recorder.listening.get() >= 2);
        JdbcClient.create(postgres.dataSource(database))
            .sql("select pg_notify('agp_test_channel', 'after')")
            .query()
            .listOfRows();
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.payloads.contains("after"));
      } finally {
        listener.close();
      }
    }
  }

  private static final class Recorder implements NotificationListener.Handler {

    final AtomicInteger listening = new AtomicInteger();
    final AtomicLong lostAt = new AtomicLong();
    final List<String> payloads = new CopyOnWriteArrayList<>();

    @Override
    public void notified(String channel, String payload) {
      payloads.add(payload);
    }

    @Override
    public void listening() {
      listening.incrementAndGet();
    }

    @Override
    public void lost(Exception cause) {
      lostAt.compareAndSet(0, System.nanoTime());
    }
  }
}
