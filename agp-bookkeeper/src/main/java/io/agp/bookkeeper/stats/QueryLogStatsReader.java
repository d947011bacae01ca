package io.agp.bookkeeper.stats;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.bookkeeper.MaintenanceRepository;
import io.agp.bookkeeper.MaintenanceRepository.AwaitingQueryLog;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.LoggedQuery;
import io.agp.execution.AttemptId;
import io.agp.execution.QueryStats;
import io.agp.schedule.PeriodicJob;
import io.agp.tier.TierClickHouseClients;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes ClickHouse's figures of ended queries from {@code system.query_log}, for tiers that set
 * {@code read-query-log}: their workers mark an ended execution whose answer did not carry final
 * figures, and ClickHouse writes its log a few seconds after a query ends (7.5 s by default). Each
 * round asks every node of a tier once for all its awaited queries (which node ran a query is not
 * recorded), records what it found in one statement, and gives up on executions ended longer than
 * {@code give-up-after} ago: they keep the figures of their last progress sample, if any.
 */
public final class QueryLogStatsReader implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(QueryLogStatsReader.class);

  /** How far apart the clocks of PostgreSQL and ClickHouse may be. */
  private static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

  private final MaintenanceRepository maintenance;
  private final Tiers tiers;
  private final TierClickHouseClients clickhouse;
  private final BookkeeperProperties.QueryLog properties;
  private final Counter found;

  public QueryLogStatsReader(
      MaintenanceRepository maintenance,
      Tiers tiers,
      TierClickHouseClients clickhouse,
      BookkeeperProperties.QueryLog properties,
      MeterRegistry meters) {
    this.maintenance = maintenance;
    this.tiers = tiers;
    this.clickhouse = clickhouse;
    this.properties = properties;
    this.found = meters.counter("agp.bookkeeper.stats.from.query.log");
  }

  /**
   * What one round did.
   *
   * @param recorded executions whose figures were found and recorded
   * @param gaveUp executions no longer looked up
   * @param waiting executions looked up in vain this round, to be looked up again
   */
  public record Report(int recorded, int gaveUp, int waiting) {}

  @Override
  public String name() {
    return "query-log";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    List<AwaitingQueryLog> awaiting = maintenance.findAwaitingQueryLog(properties.batchSize());
    Map<String, List<AwaitingQueryLog>> byTier = new LinkedHashMap<>();
    awaiting.forEach(a -> byTier.computeIfAbsent(a.tier(), t -> new ArrayList<>()).add(a));
    Map<AttemptId, QueryStats> stats = new HashMap<>();
    List<Long> notRead = new ArrayList<>();
    byTier.forEach(
        (tier, executions) -> {
          Optional<List<ClickHouseClient>> nodes =
              tiers
                  .find(tier)
                  .filter(TierProperties::readQueryLog)
                  .flatMap(t -> clickhouse.find(tier));
          if (nodes.isEmpty()) {
            executions.forEach(a -> notRead.add(a.executionId()));
          } else {
            stats.putAll(lookUp(tier, nodes.get(), executions));
          }
        });
    int recorded = maintenance.recordQueryLogStats(stats);
    found.increment(recorded);
    int gaveUp = maintenance.stopAwaitingQueryLog(properties.giveUpAfter(), notRead);
    return new Report(recorded, gaveUp, awaiting.size() - stats.size() - notRead.size());
  }

  private static Map<AttemptId, QueryStats> lookUp(
      String tier, List<ClickHouseClient> nodes, List<AwaitingQueryLog> executions) {
    Map<String, AwaitingQueryLog> byQueryId = new LinkedHashMap<>();
    executions.forEach(a -> byQueryId.put(a.attemptId().clickHouseQueryId(), a));
    Map<AttemptId, QueryStats> stats = new HashMap<>();
    for (ClickHouseClient node : nodes) {
      try {
        node.system()
            .queryLog(byQueryId.keySet())
            .forEach(
                (queryId, logged) -> {
                  AwaitingQueryLog awaited = byQueryId.get(queryId);
                  if (awaited != null && ranDuring(logged, awaited)) {
                    stats.put(awaited.attemptId(), of(logged));
                  }
                });
      } catch (RuntimeException e) {
        // Looked up again next round, until the executions are given up on.
        log.warn("could not read system.query_log of tier {}: {}", tier, e.toString());
      }
    }
    return stats;
  }

  /**
   * Whether the logged query started while the attempt ran. A query_id names one attempt of one AGP
   * database; a log row of the same id from another database (recreated, or another AGP sharing the
   * ClickHouse) ran at another time.
   */
  private static boolean ranDuring(LoggedQuery logged, AwaitingQueryLog awaited) {
    Instant started = logged.startedAt();
    // The log has whole seconds.
    boolean afterClaim =
        awaited.pickedAt() == null
            || !started.isBefore(awaited.pickedAt().minus(CLOCK_MARGIN).minusSeconds(1));
    boolean beforeEnd =
        awaited.completedAt() == null || !started.isAfter(awaited.completedAt().plus(CLOCK_MARGIN));
    return afterClaim && beforeEnd;
  }

  private static QueryStats of(LoggedQuery logged) {
    return new QueryStats(
        logged.readRows(),
        logged.readBytes(),
        logged.peakMemoryBytes(),
        logged.durationMillis(),
        QueryStats.Source.QUERY_LOG);
  }
}
