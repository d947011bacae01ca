package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.queue.QueueMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueMetricsTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void gaugesCountPendingAndRunningExecutionsPerTier() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QueueMetrics metrics =
        new QueueMetrics(fixture.maintenance, fixture.tiers, meters, Duration.ofSeconds(1));
    fixture.create("SELECT 1", Map.of(), 3);
    fixture.create("SELECT 2", Map.of(), 3);
    fixture.create("SELECT 3", Map.of(), 3);
    fixture.claim(Duration.ofMinutes(1));
    fixture.awaitLeasesPast();

    metrics.runOnce();

    assertThat(gauge(meters, "agp.bookkeeper.queue.executions", "PENDING")).isEqualTo(2);
    assertThat(gauge(meters, "agp.bookkeeper.queue.executions", "RUNNING")).isEqualTo(1);
    assertThat(
            meters
                .get("agp.bookkeeper.queue.oldest.pending")
                .tag("tier", "default")
                .gauge()
                .value())
        .isPositive();
  }

  private static double gauge(SimpleMeterRegistry meters, String name, String status) {
    return meters.get(name).tag("tier", "default").tag("status", status).gauge().value();
  }
}
