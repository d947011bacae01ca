package io.agp.bookkeeper;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The bookkeeper's duties and their schedules ({@code agp.bookkeeper.*}).
 *
 * @param rescue requeueing executions whose worker died
 * @param expiry expiring results and ended executions, deleting old rows
 * @param orphans deleting stored objects no execution points to
 * @param secrets wiping parameters left on ended executions
 * @param queueMetrics refreshing the per-tier queue gauges
 * @param queryLog completing the figures of ended queries from system.query_log
 * @param schedules creating the runs of schedules that are due
 * @param usage folding usage events into the hourly and daily rollups, deleting old rollups
 */
@Validated
@ConfigurationProperties("agp.bookkeeper")
public record BookkeeperProperties(
    @DefaultValue @Valid Rescue rescue,
    @DefaultValue @Valid Expiry expiry,
    @DefaultValue @Valid Orphans orphans,
    @DefaultValue @Valid Secrets secrets,
    @DefaultValue @Valid QueueMetrics queueMetrics,
    @DefaultValue @Valid QueryLog queryLog,
    @DefaultValue @Valid Schedules schedules,
    @DefaultValue @Valid Usage usage) {

  /**
   * @param interval pause between two runs
   * @param batchSize executions handled per statement
   */
  public record Rescue(
      @DefaultValue("5s") @NotNull Duration interval, @DefaultValue("100") @Min(1) int batchSize) {}

  /**
   * @param interval pause between two runs
   * @param batchSize executions handled per statement
   * @param timeLimit a run stops starting batches after this long; the next run goes on
   * @param endedRetention FAILED and CANCELED executions become EXPIRED this long after they ended
   * @param historyRetention EXPIRED rows are deleted this long after they expired; 0 keeps them
   */
  public record Expiry(
      @DefaultValue("1m") @NotNull Duration interval,
      @DefaultValue("200") @Min(1) int batchSize,
      @DefaultValue("30s") @NotNull Duration timeLimit,
      @DefaultValue("7d") @NotNull Duration endedRetention,
      @DefaultValue("30d") @NotNull Duration historyRetention) {}

  /**
   * @param interval pause between two runs
   * @param safetyMargin objects younger than this are left alone: a worker may be about to record
   *     one it has just stored
   */
  public record Orphans(
      @DefaultValue("1h") @NotNull Duration interval,
      @DefaultValue("1h") @NotNull Duration safetyMargin) {}

  /**
   * @param interval pause between two runs
   * @param batchSize executions wiped per statement
   */
  public record Secrets(
      @DefaultValue("1m") @NotNull Duration interval, @DefaultValue("500") @Min(1) int batchSize) {}

  /**
   * @param interval how often the gauges are refreshed
   */
  public record QueueMetrics(@DefaultValue("15s") @NotNull Duration interval) {}

  /**
   * @param interval pause between two runs
   * @param batchSize executions, and interactive queries, looked up per run, oldest first
   * @param giveUpAfter executions and interactive queries ended longer ago than this are no longer
   *     looked up
   */
  public record QueryLog(
      @DefaultValue("10s") @NotNull Duration interval,
      @DefaultValue("500") @Min(1) int batchSize,
      @DefaultValue("5m") @NotNull Duration giveUpAfter) {}

  /**
   * @param interval pause between two looks for due schedules: a run is created at most this late
   * @param batchSize runs created per round at most; the next round goes on
   * @param lateAfter a run taken longer than this after it was due counts as late (metric {@code
   *     agp.schedules.late})
   */
  public record Schedules(
      @DefaultValue("5s") @NotNull Duration interval,
      @DefaultValue("500") @Min(1) int batchSize,
      @DefaultValue("1m") @NotNull Duration lateAfter) {}

  /**
   * @param interval pause between two folds: usage, and the bytes read and server time budgets
   *     count, lag this far behind at most
   * @param batchSize events folded per statement
   * @param hourRetention hourly rows are kept this long
   * @param retentionDays daily rows are kept this many whole UTC days before today
   */
  public record Usage(
      @DefaultValue("5s") @NotNull Duration interval,
      @DefaultValue("5000") @Min(1) int batchSize,
      @DefaultValue("48h") @NotNull Duration hourRetention,
      @DefaultValue("90") @Min(1) int retentionDays) {}
}
