package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.Environment;

class UserLimitAndMetricsTest {

  private static WorkerStack stack;

  @BeforeAll
  static void start() throws IOException {
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-limits").toUri().toString(),
                "agp.tiers.shared.clickhouse.url",
                ClickHouseTestServer.shared().httpUrl().toString(),
                "agp.tiers.shared.concurrency",
                "4",
                "agp.tiers.shared.max-running-per-user",
                "1"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void oneUserRunsNoMoreThanTheTierLimitWhileOthersGetTheirTurn() {
    List<Long> alices = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alices.add(create("SELECT sleep(0.5), " + i, "alice"));
    }
    long bobs = create("SELECT sleep(0.5), 'bob'", "bob");

    List<Execution> alice = alices.stream().map(stack::awaitEnd).toList();
    Execution bob = stack.awaitEnd(bobs);

    assertThat(alice).allMatch(e -> e.status() == ExecutionStatus.SUCCEEDED);
    assertThat(bob.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    // Alice's executions ran one after the other: none started before the previous one ended.
    for (int i = 1; i < alice.size(); i++) {
      assertThat(alice.get(i).pickedAt()).isAfterOrEqualTo(alice.get(i - 1).completedAt());
    }
    // Bob did not wait for Alice's queue: he ran beside her first execution.
    assertThat(bob.pickedAt()).isBefore(alice.getFirst().completedAt());
  }

  @Test
  void thePrometheusEndpointShowsTheTiersMeters() throws Exception {
    Execution done = stack.awaitEnd(create("SELECT 1", "carol"));
    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);

    String metrics = scrape();

    assertThat(metrics)
        .containsPattern("agp_worker_executions_total\\{event=\"started\",tier=\"shared\"} [1-9]")
        .containsPattern("agp_worker_executions_total\\{event=\"succeeded\",tier=\"shared\"} [1-9]")
        .contains("agp_worker_executions_total{event=\"failed\",tier=\"shared\"} 0.0")
        .contains("agp_worker_execution_run_time_seconds_bucket{outcome=\"succeeded\"")
        .containsPattern("agp_worker_claim_latency_seconds_count\\{tier=\"shared\"} [1-9]")
        // SELECT 1 is kept in its row; nothing went to the store.
        .containsPattern("agp_worker_result_stored_bytes_count\\{in=\"row\",tier=\"shared\"} [1-9]")
        .contains("agp_worker_result_stored_bytes_count{in=\"store\",tier=\"shared\"} 0")
        .containsPattern("agp_worker_claims_total\\{result=\"claimed\",tier=\"shared\"} [1-9]")
        .contains("agp_worker_claims_total{result=\"empty\",tier=\"shared\"}")
        .contains("agp_worker_slots{state=\"free\",tier=\"shared\"} 4.0")
        .contains("agp_worker_slots{state=\"busy\",tier=\"shared\"} 0.0");
  }

  private static long create(String sql, String user) {
    return stack.create(sql, "JSON", "shared", user, Map.of(), 3);
  }

  private static String scrape() throws Exception {
    String port = stack.bean(Environment.class).getProperty("local.server.port");
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://localhost:" + port + "/actuator/prometheus"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
