package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** What a tier's queries get from its configuration: read timeout, run time, readonly. */
class TierPropertiesTest {

  @Test
  void theReadTimeoutDefaultsToMaxRunTimePlusAMinute() {
    assertThat(tier(Map.of("max-run-time", "10m")).effectiveReadTimeout())
        .isEqualTo(Duration.ofMinutes(11));
  }

  @Test
  void aMaxExecutionTimeInTheSettingsBoundsTheRunTimeInstead() {
    TierProperties tier = tier(Map.of("settings.max_execution_time", "90"));

    assertThat(tier.clickHouseRunTime()).isEqualTo(Duration.ofSeconds(90));
    assertThat(tier.effectiveReadTimeout()).isEqualTo(Duration.ofSeconds(150));
    assertThat(tier(Map.of("settings.max_execution_time", "0.5")).clickHouseRunTime())
        .isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void queriesWithoutARunTimeBoundWaitForEverUnlessTheTimeoutIsSet() {
    assertThat(tier(Map.of("settings.max_execution_time", "0")).effectiveReadTimeout()).isZero();
    assertThat(
            tier(Map.of("settings.max_execution_time", "0", "clickhouse.read-timeout", "5m"))
                .effectiveReadTimeout())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void anUnreadableMaxExecutionTimeFallsBackToMaxRunTime() {
    assertThat(
            tier(Map.of("settings.max_execution_time", "ten", "max-run-time", "3m"))
                .clickHouseRunTime())
        .isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void theAllowListsAreUnsetUntilATierSetsThem() {
    TierProperties tier = tier(Map.of());

    assertThat(tier.changeableSettings()).isNull();
    assertThat(tier.allowedTableFunctions()).isNull();
    assertThat(tier.allowedSystemTables()).isNull();
    assertThat(tier(Map.of("changeable-settings", "")).changeableSettings()).isEmpty();
  }

  @Test
  void aReadOnlyTierSendsReadonly2UnlessItsSettingsSayOtherwise() {
    assertThat(tier(Map.of()).readonlySetting()).contains("2");
    assertThat(tier(Map.of("settings.readonly", "1")).readonlySetting()).contains("1");
    assertThat(tier(Map.of("read-only", "false")).readonlySetting()).isEmpty();
    assertThatThrownBy(() -> tier(Map.of("settings.readonly", "0")))
        .rootCause()
        .hasMessageContaining("read-only: false");
  }

  /** A tier bound from properties under {@code agp.tiers.t}, as the apps bind it. */
  static TierProperties tier(Map<String, String> properties) {
    Map<String, String> prefixed = new HashMap<>();
    properties.forEach((name, value) -> prefixed.put("agp.tiers.t." + name, value));
    prefixed.putIfAbsent("agp.tiers.t.clickhouse.url", "http://localhost:8123");
    return new Binder(new MapConfigurationPropertySource(prefixed))
        .bind("agp.tiers.t", TierProperties.class)
        .get();
  }
}
