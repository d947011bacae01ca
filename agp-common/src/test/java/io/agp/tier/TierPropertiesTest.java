package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.results.ResultCompression;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** What a tier's queries get from its configuration: read timeout, locked settings, readonly. */
class TierPropertiesTest {

  @Test
  void theReadTimeoutDefaultsToMaxRunTimePlusAMinute() {
    assertThat(tier(null, Map.of(), Duration.ofMinutes(10)).effectiveReadTimeout())
        .isEqualTo(Duration.ofMinutes(11));
  }

  @Test
  void aMaxExecutionTimeInTheSettingsBoundsTheRunTimeInstead() {
    TierProperties tier = tier(null, Map.of("max_execution_time", "90"), Duration.ofHours(1));

    assertThat(tier.clickHouseRunTime()).isEqualTo(Duration.ofSeconds(90));
    assertThat(tier.effectiveReadTimeout()).isEqualTo(Duration.ofSeconds(150));
    assertThat(
            tier(null, Map.of("max_execution_time", "0.5"), Duration.ofHours(1))
                .clickHouseRunTime())
        .isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void queriesWithoutARunTimeBoundWaitForEverUnlessTheTimeoutIsSet() {
    Map<String, String> unbounded = Map.of("max_execution_time", "0");

    assertThat(tier(null, unbounded, Duration.ofHours(1)).effectiveReadTimeout()).isZero();
    assertThat(tier(Duration.ofMinutes(5), unbounded, Duration.ofHours(1)).effectiveReadTimeout())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void anUnreadableMaxExecutionTimeFallsBackToMaxRunTime() {
    assertThat(
            tier(null, Map.of("max_execution_time", "ten"), Duration.ofMinutes(3))
                .clickHouseRunTime())
        .isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void byDefaultATierLocksItsOwnSettingsMaxMemoryUsageAndTheGatewaysGuarantees() {
    TierProperties tier = tier(Map.of("max_threads", "4", "Priority", "10"), true, List.of());

    assertThat(tier.effectiveLockedSettings())
        .contains("max_threads", "priority", "max_memory_usage")
        .containsAll(TierProperties.ALWAYS_LOCKED)
        .contains("readonly", "max_execution_time", "*_overflow_mode", "quota_key", "profile");
  }

  @Test
  void lockedSettingsReplaceTheTiersOwnButNeverTheGuarantees() {
    TierProperties tier = tier(Map.of("max_threads", "4"), true, List.of(" Max_Result_Rows "));

    assertThat(tier.effectiveLockedSettings())
        .contains("max_result_rows")
        .doesNotContain("max_threads", "max_memory_usage")
        .containsAll(TierProperties.ALWAYS_LOCKED);
  }

  @Test
  void aReadOnlyTierSendsReadonly2UnlessItsSettingsSayOtherwise() {
    assertThat(tier(Map.of(), true, List.of()).readonlySetting()).contains("2");
    assertThat(tier(Map.of("readonly", "1"), true, List.of()).readonlySetting()).contains("1");
    assertThat(tier(Map.of(), false, List.of()).readonlySetting()).isEmpty();
    assertThatThrownBy(() -> tier(Map.of("readonly", "0"), true, List.of()))
        .hasMessageContaining("read-only: false");
  }

  private static TierProperties tier(
      Map<String, String> settings, boolean readOnly, List<String> lockedSettings) {
    return new TierProperties(
        new TierProperties.ClickHouse(
            null, List.of(), "default", "", "default", Duration.ofSeconds(5), null),
        settings,
        4,
        3,
        Duration.ofSeconds(30),
        Duration.ofHours(1),
        Duration.ofHours(24),
        DataSize.ofGigabytes(10),
        false,
        0,
        ResultCompression.NONE,
        null,
        readOnly,
        lockedSettings,
        0,
        Duration.ofSeconds(1),
        false,
        new TierProperties.Interactive(8, 0));
  }

  private static TierProperties tier(
      Duration readTimeout, Map<String, String> settings, Duration maxRunTime) {
    return new TierProperties(
        new TierProperties.ClickHouse(
            null, List.of(), "default", "", "default", Duration.ofSeconds(5), readTimeout),
        settings,
        4,
        3,
        Duration.ofSeconds(30),
        maxRunTime,
        Duration.ofHours(24),
        DataSize.ofGigabytes(10),
        false,
        0,
        ResultCompression.NONE,
        null,
        true,
        List.of(),
        0,
        Duration.ofSeconds(1),
        false,
        new TierProperties.Interactive(8, 0));
  }
}
