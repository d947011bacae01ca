package io.agp.api.interactive;

import io.agp.api.ForbiddenException;
import io.agp.api.InvalidRequestException;
import io.agp.api.auth.Caller;
import io.agp.api.auth.TierAccess;
import io.agp.api.budget.BudgetAnswers;
import io.agp.api.usage.UsageRecorder;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.tier.QueryPolicy;
import io.agp.tier.TierClickHouse;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.tier.UnknownTierException;
import io.agp.usage.Budgets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts the interactive queries of the synchronous run and the ClickHouse proxy: checks that the
 * caller may use the tier and that the query lifts none of its locked settings, takes one of the
 * tier's interactive slots, and hands back the {@link RunningQuery} that sends it. Queries go to
 * the tier's endpoints as a worker's do (in turn, skipping one that refused a connection), with the
 * tier's settings, run-time bound and read-only default.
 *
 * <p>On a tier with daily budgets, a query is a run: charged once it has its slot, in a short
 * transaction of its own, and refused (429) past a budget. A query that runs is not stopped by its
 * own overrun; what it read and the time it took count once it ended.
 */
@Component
class InteractiveQueries implements DisposableBean {

  /** The two interactive APIs, as their metrics name them. */
  enum Api {
    SYNC,
    CHPROXY;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Tiers tiers;
  private final InteractiveSlots slots;
  private final MeterRegistry meters;
  private final BudgetAnswers budgetAnswers;
  private final Budgets budgets;
  private final TransactionTemplate transaction;
  private final UsageRecorder usage;
  private final Map<String, TierClickHouse> clickhouse = new ConcurrentHashMap<>();
  private final Map<String, List<ClickHouseClient>> clients = new ConcurrentHashMap<>();
  // Kills wait for the server to confirm (SYNC): off the request and watch threads.
  private final ExecutorService killer = Executors.newVirtualThreadPerTaskExecutor();

  InteractiveQueries(
      Tiers tiers,
      InteractiveSlots slots,
      MeterRegistry meters,
      BudgetAnswers budgetAnswers,
      Budgets budgets,
      TransactionTemplate transaction,
      UsageRecorder usage) {
    this.tiers = tiers;
    this.slots = slots;
    this.meters = meters;
    this.budgetAnswers = budgetAnswers;
    this.budgets = budgets;
    this.transaction = transaction;
    this.usage = usage;
  }

  /**
   * Checks the query and takes a slot for it.
   *
   * @param sql the query as the tier checks it for what it sets and reaches
   * @throws ForbiddenException when the caller may not use the tier, or the tier runs no
   *     interactive queries
   * @throws io.agp.tier.QueryRefusedException when the query sets or reaches what the tier does not
   *     allow
   * @throws TooManyInteractiveQueriesException when the tier or the caller has no slot free
   * @throws io.agp.usage.BudgetExceededException when a daily budget of the caller or the tier is
   *     spent
   */
  RunningQuery prepare(Api api, Caller caller, String tierName, String sql, String queryId) {
    return prepare(api, caller, tierName, sql, queryId, policy -> {});
  }

  /**
   * Checks the query, then what else the caller checks against the tier's policy (the proxy's URL
   * parameters), and only then takes a slot and charges the run: a query refused for what it asks
   * costs no run of a budget.
   */
  RunningQuery prepare(
      Api api,
      Caller caller,
      String tierName,
      String sql,
      String queryId,
      Consumer<QueryPolicy> checks) {
    try {
      TierProperties tier = check(caller, tierName, sql);
      checks.accept(tiers.policy(tierName));
      InteractiveSlots.Slot slot = slots.take(tierName, tier.interactive(), caller.user());
      Budgets.State budget = null;
      if (budgetAnswers.any(tierName)) {
        try {
          // A refusal rolls the charge back, so that it spends nothing of the tier's budget.
          budget = transaction.execute(status -> budgets.charge(tierName, caller.user()));
        } catch (RuntimeException e) {
          slot.close();
          throw e;
        }
      }
      String quotaKey = caller.quotaKey() != null ? caller.quotaKey() : caller.user();
      return new RunningQuery(
          new RunningQuery.Started(api, tierName, caller.user(), quotaKey, queryId, slot, budget),
          clickhouseOf(tierName, tier),
          meters,
          killer,
          usage);
    } catch (RuntimeException e) {
      Counter.builder("agp.api.interactive.refused")
          .description("Interactive queries refused before they ran (auth, tier, settings, limits)")
          .tag("api", api.tag())
          .tag("tier", tiers.find(tierName).isPresent() ? tierName : "unknown")
          .register(meters)
          .increment();
      throw e;
    }
  }

  private TierProperties check(Caller caller, String tierName, String sql) {
    TierAccess.requireUse(caller, tierName);
    TierProperties tier =
        tiers.find(tierName).orElseThrow(() -> new UnknownTierException(tierName, tiers.names()));
    if (tier.interactive().concurrency() == 0) {
      throw new ForbiddenException(
          "tier",
          "tier "
              + tierName
              + " runs no interactive queries (its interactive.concurrency is 0); create an"
              + " execution instead (POST /v1/async/executions)");
    }
    if (sql.isBlank()) {
      throw new InvalidRequestException("sql", "the SQL text is empty");
    }
    TierAccess.refuseDisallowed(tiers, tierName, sql);
    return tier;
  }

  private TierClickHouse clickhouseOf(String tierName, TierProperties tier) {
    return clickhouse.computeIfAbsent(
        tierName,
        name -> {
          List<ClickHouseClient> nodes = clients.computeIfAbsent(name, n -> tier.newClients());
          return new TierClickHouse(name, tier, nodes);
        });
  }

  @Override
  public void destroy() {
    killer.shutdown();
    clients.values().forEach(nodes -> nodes.forEach(ClickHouseClient::close));
  }
}
