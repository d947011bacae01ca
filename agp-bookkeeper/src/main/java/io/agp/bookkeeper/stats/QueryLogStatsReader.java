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
import io.agp.usage.UsageEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes ClickHouse's figures of ended queries from {@code system.query_log}, for tiers that set
 * {@code read-query-log}: ended executions their workers marked, and interactive queries (sync
 * runs, proxy queries) whose usage the API recorded to await them, when the answer did not carry
 * final figures. ClickHouse writes its log a few seconds after a query ends (7.5 s by default).
 * Each round asks every node of a tier once for all its awaited queries (which node ran a query is
 * not recorded), records what it found in one statement per kind, and gives up on queries ended
 * longer than {@code give-up-after} ago: they keep the figures they have (an execution's last
 * progress sample, an interactive query's answer). Either way, an interactive query then enters the
 * usage journal.
 */
public final class QueryLogStatsReader implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(QueryLogStatsReader.class);

  /** How far apart the clocks of PostgreSQL and ClickHouse may be. */
  private static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

  private final MaintenanceRepository maintenance;
  private final UsageEvents usage;
  private final Tiers tiers;
  private final TierClickHouseClients clickhouse;
  private final BookkeeperProperties.QueryLog properties;
  private final Counter found;
  private final Counter foundInteractive;

  public QueryLogStatsReader(
      MaintenanceRepository maintenance,
      UsageEvents usage,
      Tiers tiers,
      TierClickHouseClients clickhouse,
      BookkeeperProperties.QueryLog properties,
      MeterRegistry meters) {
    this.maintenance = maintenance;
    this.usage = usage;
    this.tiers = tiers;
    this.clickhouse = clickhouse;
    this.properties = properties;
    this.found = meters.counter("agp.bookkeeper.stats.from.query.log");
    this.foundInteractive = meters.counter("agp.bookkeeper.interactive.stats.from.query.log");
  }

  /** What one round did, for executions and for interactive queries. */
  public record Report(Counts executions, Counts interactive) {}

  /**
   * What one round did for one kind of query.
   *
   * @param recorded queries whose figures were found and recorded
   * @param gaveUp queries no longer looked up
   * @param waiting queries looked up in vain this round, to be looked up again
   */
  public record Counts(int recorded, int gaveUp, int waiting) {}

  /** The queries of one tier a round looks up. */
  private record Awaited(
      List<AwaitingQueryLog> executions, List<UsageEvents.AwaitingQueryLog> interactive) {

    Awaited() {
      this(new ArrayList<>(), new ArrayList<>());
    }
  }

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
    List<AwaitingQueryLog> executions = maintenance.findAwaitingQueryLog(properties.batchSize());
    List<UsageEvents.AwaitingQueryLog> interactive =
        usage.findAwaitingQueryLog(properties.batchSize());
    Map<String, Awaited> byTier = new LinkedHashMap<>();
    executions.forEach(
        a -> byTier.computeIfAbsent(a.tier(), t -> new Awaited()).executions().add(a));
    interactive.forEach(
        a -> byTier.computeIfAbsent(a.tier(), t -> new Awaited()).interactive().add(a));
    Map<AttemptId, QueryStats> stats = new HashMap<>();
    Map<Long, UsageEvents.QueryFigures> figures = new HashMap<>();
    List<Long> executionsNotRead = new ArrayList<>();
    List<Long> interactiveNotRead = new ArrayList<>();
    byTier.forEach(
        (tier, awaited) -> {
          Optional<List<ClickHouseClient>> nodes =
              tiers
                  .find(tier)
                  .filter(TierProperties::readQueryLog)
                  .flatMap(t -> clickhouse.find(tier));
          if (nodes.isEmpty()) {
            awaited.executions().forEach(a -> executionsNotRead.add(a.executionId()));
            awaited.interactive().forEach(a -> interactiveNotRead.add(a.eventId()));
          } else {
            lookUp(tier, nodes.get(), awaited, stats, figures);
          }
        });
    int recorded = maintenance.recordQueryLogStats(stats);
    found.increment(recorded);
    int gaveUp = maintenance.stopAwaitingQueryLog(properties.giveUpAfter(), executionsNotRead);
    int recordedInteractive = usage.recordQueryLogFigures(figures);
    foundInteractive.increment(recordedInteractive);
    int gaveUpInteractive =
        usage.stopAwaitingQueryLog(properties.giveUpAfter(), interactiveNotRead);
    return new Report(
        new Counts(recorded, gaveUp, executions.size() - stats.size() - executionsNotRead.size()),
        new Counts(
            recordedInteractive,
            gaveUpInteractive,
            interactive.size() - figures.size() - interactiveNotRead.size()));
  }

  /**
   * Asks each node of a tier once for all the awaited queries, and takes each logged row that is
   * one of theirs into {@code stats} or {@code figures}.
   */
  private static void lookUp(
      String tier,
      List<ClickHouseClient> nodes,
      Awaited awaited,
      Map<AttemptId, QueryStats> stats,
      Map<Long, UsageEvents.QueryFigures> figures) {
    Map<String, AwaitingQueryLog> executions = new HashMap<>();
    awaited.executions().forEach(a -> executions.put(a.attemptId().clickHouseQueryId(), a));
    // A proxy client may give several of its queries one id: each is told apart by its time.
    Map<String, List<UsageEvents.AwaitingQueryLog>> interactive = new HashMap<>();
    awaited
        .interactive()
        .forEach(a -> interactive.computeIfAbsent(a.queryId(), id -> new ArrayList<>()).add(a));
    Set<String> queryIds = new LinkedHashSet<>(executions.keySet());
    queryIds.addAll(interactive.keySet());
    for (ClickHouseClient node : nodes) {
      try {
        node.system()
            .queryLog(queryIds)
            .forEach(
                (queryId, logged) -> {
                  AwaitingQueryLog execution = executions.get(queryId);
                  if (execution != null && ranDuring(logged, execution)) {
                    stats.put(execution.attemptId(), of(logged));
                  }
                  for (UsageEvents.AwaitingQueryLog query :
                      interactive.getOrDefault(queryId, List.of())) {
                    if (endedAt(logged, query.endedAt())) {
                      figures.put(query.eventId(), figuresOf(logged));
                    }
                  }
                });
      } catch (RuntimeException e) {
        // Looked up again next round, until the queries are given up on.
        log.warn("could not read system.query_log of tier {}: {}", tier, e.toString());
      }
    }
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

  /**
   * Whether the logged query ended when the API saw an interactive query of its id end: an id the
   * client chose (the proxy's {@code query_id}) may have named other queries before.
   */
  private static boolean endedAt(LoggedQuery logged, Instant seenEnding) {
    Instant ended = logged.startedAt().plusMillis(logged.durationMillis());
    // The log's start has whole seconds.
    return !ended.isBefore(seenEnding.minus(CLOCK_MARGIN).minusSeconds(1))
        && !ended.isAfter(seenEnding.plus(CLOCK_MARGIN));
  }

  private static QueryStats of(LoggedQuery logged) {
    return new QueryStats(
        logged.readRows(),
        logged.readBytes(),
        logged.peakMemoryBytes(),
        logged.durationMillis(),
        QueryStats.Source.QUERY_LOG);
  }

  /** An interactive query's figures from its log row; the bytes its client got stay recorded. */
  private static UsageEvents.QueryFigures figuresOf(LoggedQuery logged) {
    return new UsageEvents.QueryFigures(
        logged.readRows(),
        logged.readBytes(),
        0,
        logged.durationMillis(),
        logged.peakMemoryBytes());
  }
}
