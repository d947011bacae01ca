package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.nio.file.Files;
import java.time.Duration;
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
                "1",
                // Writes allowed, and a run time that only the worker bounds.
                "agp.tiers.writer.clickhouse.url",
                clickhouse,
                "agp.tiers.writer.read-only",
                "false",
                "agp.tiers.writer.max-run-time",
                "1s",
                "agp.tiers.writer.settings.max_execution_time",
                "0"));
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
  void aReadOnlyTierLetsClickHouseRefuseWritesAndAnotherTierMayOptOut() {
    String table = "tier_settings_" + System.nanoTime();
    String create = "CREATE TABLE " + table + " (x UInt8) ENGINE = Memory";

    Execution refused = stack.awaitEnd(stack.create(create, "TSV", "default"));
    assertThat(refused.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(refused.error()).contains("readonly");
    assertThat(ClickHouseTestServer.shared().query("EXISTS TABLE " + table).strip()).isEqualTo("0");

    Execution created = stack.awaitEnd(stack.create(create, "TSV", "writer"));
    assertThat(created.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(ClickHouseTestServer.shared().query("EXISTS TABLE " + table).strip()).isEqualTo("1");
    ClickHouseTestServer.shared().query("DROP TABLE " + table);
  }

  @Test
  void theWorkerStopsAQueryAtTheTiersMaxRunTimeWhateverClickHouseAllows() {
    long id = stack.create("SELECT count() FROM numbers(100000000000)", "TSV", "writer");

    Execution stopped = stack.awaitEnd(id);

    assertThat(stopped.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(stopped.error())
        .isEqualTo("the query ran for the max-run-time of tier writer (1s) and was stopped");
    assertThat(Duration.between(stopped.pickedAt(), stopped.completedAt()))
        .isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
  }

  @Test
  void aQueuedQueryThatSetsALockedSettingIsRefusedBeforeItRuns() {
    long id = stack.create("SELECT 1 SETTINGS max_execution_time = 0", "TSV", "default");

    Execution refused = stack.awaitEnd(id);

    assertThat(refused.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(refused.error())
        .contains("sets max_execution_time")
        .contains("tier default")
        .contains("was not run");
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
