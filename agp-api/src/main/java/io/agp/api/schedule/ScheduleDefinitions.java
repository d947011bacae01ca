package io.agp.api.schedule;

import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestFields;
import io.agp.api.auth.Caller;
import io.agp.api.auth.TierAccess;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.refresh.Cadence;
import io.agp.refresh.NewSchedule;
import io.agp.tier.Tiers;
import io.agp.tier.UnknownTierException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Turns a schedule request into what its runs create, with the checks of a create of an execution
 * (tier, access, the tier's policy, format, names, labels) and those of a cadence (one of interval
 * and cron, no shorter than the minimum interval).
 */
@Component
class ScheduleDefinitions {

  /** The longest interval: a year (a longer one is a date, better a cron expression). */
  static final long MAX_EVERY_SECONDS = 366L * 24 * 3600;

  /** How many instants of a cron expression the minimum interval is checked over. */
  private static final int CRON_INSTANTS_CHECKED = 50;

  private final Tiers tiers;
  private final ApiProperties properties;
  private final QueryHash queryHash;

  ScheduleDefinitions(Tiers tiers, ApiProperties properties, QueryHash queryHash) {
    this.tiers = tiers;
    this.properties = properties;
    this.queryHash = queryHash;
  }

  /**
   * The schedule of a request, owned by {@code owner}, with its first run after {@code now}.
   *
   * @param quotaKey the quota key the runs use
   * @param keepPaused the paused state when the request says none
   */
  NewSchedule define(
      ScheduleRequest request,
      Caller caller,
      String owner,
      String quotaKey,
      boolean keepPaused,
      Instant now) {
    if (request == null) {
      throw new InvalidRequestException(null, "the request body is empty");
    }
    String tierName =
        request.tier() == null
            ? TierAccess.tierOf(caller, properties.defaultTier())
            : request.tier();
    String sql = RequestFields.sql(request.sql(), properties.maxSqlSize());
    if (tiers.find(tierName).isEmpty()) {
      throw new UnknownTierException(tierName, tiers.names());
    }
    TierAccess.requireUse(caller, tierName);
    TierAccess.refuseDisallowed(tiers, tierName, sql);
    ResultFormat format = RequestFields.format(request.format());
    Map<String, String> parameters = request.parameters() == null ? Map.of() : request.parameters();
    RequestFields.requireStringValues("parameters", parameters);
    RequestFields.requireStringValues("labels", request.labels());
    RequestFields.checkLabels(request.labels());
    String name = RequestFields.checkName(request.name());
    String hash = queryHash.ofTier(sql, format.name(), parameters, tierName);
    String queryId = request.queryId() == null ? hash : request.queryId().strip();
    if (queryId.isEmpty() || queryId.length() > 256) {
      throw new InvalidRequestException("query_id", "query_id must have 1 to 256 characters");
    }
    Cadence cadence = cadence(request, now);
    boolean paused = request.paused() == null ? keepPaused : request.paused();
    return new NewSchedule(
        owner,
        name,
        queryId,
        hash,
        sql,
        format.name(),
        tierName,
        parameters,
        request.labels(),
        properties.effectiveShareScope() == ApiProperties.ShareScope.USER ? owner : "",
        quotaKey,
        request.everySeconds(),
        request.cron() == null ? null : request.cron().strip(),
        paused,
        cadence.first(now));
  }

  private Cadence cadence(ScheduleRequest request, Instant now) {
    Duration min = properties.schedules().minInterval();
    if ((request.everySeconds() == null) == (request.cron() == null)) {
      throw new InvalidRequestException(
          "every_seconds", "a schedule has either every_seconds or cron, not both nor neither");
    }
    if (request.everySeconds() != null) {
      long every = request.everySeconds();
      if (every < min.toSeconds() || every > MAX_EVERY_SECONDS || every < 1) {
        throw new InvalidRequestException(
            "every_seconds",
            "every_seconds must be between "
                + Math.max(1, min.toSeconds())
                + " and "
                + MAX_EVERY_SECONDS);
      }
      return new Cadence.Every(Duration.ofSeconds(every));
    }
    Cadence.Cron cron;
    try {
      cron = Cadence.Cron.parse(request.cron());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "cron",
          "'"
              + request.cron()
              + "' is not a cron expression of six fields (second minute hour day month"
              + " weekday)");
    }
    if (cron.first(now) == null) {
      throw new InvalidRequestException("cron", "the cron expression never fires again");
    }
    Duration gap = cron.shortestGap(now, CRON_INSTANTS_CHECKED);
    if (!gap.isZero() && gap.compareTo(min) < 0) {
      throw new InvalidRequestException(
          "cron",
          "the cron expression fires every "
              + gap.toSeconds()
              + "s; the shortest interval allowed is "
              + min.toSeconds()
              + "s");
    }
    return cron;
  }
}
