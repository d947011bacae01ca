package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.tier.TierClickHouse;
import io.agp.tier.TierProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * A tier with several ClickHouse endpoints, the first of which is down: executions run on the live
 * one, and progress and cancel reach the node that runs the query.
 */
class MultipleEndpointsTest {

  private static final String ENDLESS_COUNT =
      "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0))";

  private static WorkerStack stack;
  private static String dead;
  private static String live;

  @BeforeAll
  static void start() throws IOException {
    dead = "http://127.0.0.1:" + closedPort() + "/";
    live = ClickHouseTestServer.shared().httpUrl().toString();
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-endpoints").toUri().toString(),
                "agp.tiers.cluster.clickhouse.urls[0]",
                dead,
                "agp.tiers.cluster.clickhouse.urls[1]",
                live,
                "agp.tiers.cluster.max-run-time",
                "120s",
                "agp.tiers.cluster.lease",
                "3s",
                "agp.tiers.cluster.heartbeat-interval",
                "300ms"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void executionsSucceedOnTheLiveEndpointWhileAnotherRefusesConnections() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(
          stack.create("SELECT number FROM system.numbers LIMIT " + (100 + i), "CSV", "cluster"));
    }

    for (int i = 0; i < ids.size(); i++) {
      Execution done = stack.awaitEnd(ids.get(i));
      assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(done.attempt()).isEqualTo(1);
      assertThat(done.result().rows()).isEqualTo(100 + i);
    }
  }

  @Test
  void progressAndCancelGoToTheNodeThatRunsTheQuery() {
    long id = stack.create(ENDLESS_COUNT, "JSON", "cluster");
    await().atMost(Duration.ofSeconds(10)).until(() -> WorkerStack.clickHouseRuns(id));
    Execution running =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> stack.get(id), e -> e.progress() != null && e.progress().rows() > 0);
    assertThat(running.status()).isEqualTo(ExecutionStatus.RUNNING);

    assertThat(stack.executions().cancel(id, null)).isPresent();

    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !WorkerStack.clickHouseRuns(id));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stack.get(id).status() == ExecutionStatus.CANCELED);
  }

  @Test
  void attemptsTakeTheEndpointsInTurnAndAnUnreachableOneLast() {
    TierProperties tier = tier(List.of(URI.create(dead), URI.create(live)));
    List<ClickHouseClient> nodes = tier.newClients();
    try {
      TierClickHouse clickhouse = new TierClickHouse("cluster", tier, nodes);

      assertThat(clickhouse.candidates()).containsExactly(nodes.get(0), nodes.get(1));
      assertThat(clickhouse.candidates()).containsExactly(nodes.get(1), nodes.get(0));

      clickhouse.unreachable(nodes.get(0));
      assertThat(clickhouse.candidates()).containsExactly(nodes.get(1), nodes.get(0));
      assertThat(clickhouse.candidates()).containsExactly(nodes.get(1), nodes.get(0));
    } finally {
      nodes.forEach(ClickHouseClient::close);
    }
  }

  @Test
  void aTierTakesEitherOneUrlOrAList() {
    assertThat(tier(List.of()).clickhouse().endpoints())
        .containsExactly(URI.create("http://localhost:8123"));
    assertThat(tier(List.of(URI.create(dead), URI.create(live))).clickhouse().endpoints())
        .containsExactly(URI.create(dead), URI.create(live));
    assertThatThrownBy(
            () ->
                new TierProperties.ClickHouse(
                    URI.create(live),
                    List.of(URI.create(dead)),
                    "default",
                    "",
                    "default",
                    Duration.ofSeconds(1),
                    null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static TierProperties tier(List<URI> urls) {
    Map<String, String> properties = new HashMap<>();
    for (int i = 0; i < urls.size(); i++) {
      properties.put("tier.clickhouse.urls[" + i + "]", urls.get(i).toString());
    }
    properties.put("tier.clickhouse.connect-timeout", "1s");
    properties.put("tier.concurrency", "1");
    properties.put("tier.max-attempts", "1");
    properties.put("tier.max-run-time", "1m");
    return new Binder(new MapConfigurationPropertySource(properties))
        .bind("tier", TierProperties.class)
        .get();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
