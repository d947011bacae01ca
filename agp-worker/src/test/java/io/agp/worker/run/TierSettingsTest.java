package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two tiers with different settings, served side by side by one worker. */
class TierSettingsTest {

  /** About two seconds: four blocks of one row, each sleeping half a second. */
  private static final String TWO_SECONDS =
      "SELECT sleep(0.5) AS s FROM system.numbers LIMIT 4 SETTINGS max_block_size = 1";

  private static WorkerStack stack;

  @BeforeAll
  static void start() throws Exception {
    String clickhouse = ClickHouseTestServer.shared().httpUrl().toString();
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-tiers").toUri().toString(),
                "agp.tiers.vip.clickhouse.url",
                clickhouse,
                "agp.tiers.vip.settings.max_execution_time",
                "30",
                "agp.tiers.default.settings.max_execution_time",
                "1",
                // A break mode would end the query after a second with a 200 and a partial
                // result: the worker must send throw whatever the tier says.
                "agp.tiers.default.settings.timeout_overflow_mode",
                "break",
                // Unknown to the server: dropped rather than failing every query.
                "agp.tiers.default.settings.no_such_setting_in_any_version",
                "1"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void aQueryThatPassesOnVipFailsOnDefaultForExceedingItsMaxExecutionTime() {
    long vip = stack.create(TWO_SECONDS, "TSV", "vip");
    long standard = stack.create(TWO_SECONDS, "TSV", "default");

    Execution onVip = stack.awaitEnd(vip);
    Execution onDefault = stack.awaitEnd(standard);

    assertThat(onVip.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(onVip.result().rows()).isEqualTo(4);
    assertThat(onDefault.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(onDefault.error()).contains("Timeout exceeded").contains("maximum: 1");
    assertThat(onDefault.result()).isNull();
  }

  @Test
  void settingsTheServerDoesNotKnowAreDroppedNotFatal() {
    long id = stack.create("SELECT 42 AS answer", "JSON", "default");

    Execution done = stack.awaitEnd(id);

    assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(done.result().rows()).isEqualTo(1);
  }

  @Test
  void parametersFailClearlyOnAServerWithoutQueryParameters() {
    long id = stack.create("SELECT {x:UInt8}", "JSON", "default", "tester", Map.of("x", "1"), 3);

    Execution done = stack.awaitEnd(id);

    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.error())
        .contains("does not support query parameters")
        .contains("of tier default");
  }
}
