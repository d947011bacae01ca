package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestFields;
import io.agp.api.auth.Caller;
import io.agp.api.auth.TierAccess;
import io.agp.api.budget.BudgetAnswers;
import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.tier.UnknownTierException;
import io.agp.usage.Budgets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns a create request into an execution: picks and checks the tier, validates the request,
 * reuses a fresh enough result, creates or collapses, and replaces an in-flight execution of the
 * same query_id when asked. Counts each outcome per tier.
 *
 * <p>What a caller may share: in-flight executions and fresh results of the same tier and share key
 * (their own name with share-scope=user, every user of the tier with share-scope=tier). A caller
 * who joins another user's execution becomes one of its readers. Only the creator (or an admin) may
 * replace an in-flight execution; anyone else meets a 409 that does not name it.
 *
 * <p>An execution created counts as a run against the tier's daily budgets, in the transaction that
 * creates it: a create past a budget is refused (429) and leaves nothing behind. A create that
 * collapses or reuses costs nothing and is never refused by a budget. On a tier without budgets, a
 * create is the one statement it always was.
 *
 * <p>A callback URL is checked whatever the outcome, but recorded only on an execution the request
 * creates: a create that collapses or reuses adds no callback to an execution, and changes none.
 */
@Component
class ExecutionCreator {

  /** The longest max_age a request may give: results do not outlive their TTL anyway. */
  static final long MAX_AGE_LIMIT_SECONDS = 30L * 24 * 3600;

  /** When a caller over max-pending-per-user may look again, in seconds. */
  static final long PENDING_CAP_RETRY_SECONDS = 5;

  /** How often a replace tries again when a concurrent create took the query_id in between. */
  private static final int REPLACE_TRIES = 5;

  private final ExecutionRepository executions;
  private final ExecutionQueries queries;
  private final Tiers tiers;
  private final ApiProperties properties;
  private final TransactionTemplate transaction;
  private final MeterRegistry meters;
  private final QueryHash queryHash;
  private final CallbackUrls callbackUrls;
  private final BudgetAnswers budgetAnswers;
  private final Budgets budgets;

  ExecutionCreator(
      ExecutionRepository executions,
      ExecutionQueries queries,
      Tiers tiers,
      ApiProperties properties,
      TransactionTemplate transaction,
      MeterRegistry meters,
      QueryHash queryHash,
      CallbackUrls callbackUrls,
      BudgetAnswers budgetAnswers,
      Budgets budgets) {
    this.executions = executions;
    this.queries = queries;
    this.tiers = tiers;
    this.properties = properties;
    this.transaction = transaction;
    this.meters = meters;
    this.queryHash = queryHash;
    this.callbackUrls = callbackUrls;
    this.budgetAnswers = budgetAnswers;
    this.budgets = budgets;
  }

  /** What a create did, for the response. */
  sealed interface Outcome {
    Execution execution();

    /**
     * @param budget what remains of the caller's budgets after this run, or null when the tier has
     *     none
     */
    record Created(Execution execution, Execution replaced, Budgets.State budget)
        implements Outcome {}

    record Collapsed(Execution execution) implements Outcome {}

    record Reused(Execution execution) implements Outcome {}
  }

  /**
   * Creates, collapses or reuses as the request asks.
   *
   * @param watched whether the caller waits for the outcome: the execution is then marked watched
   *     as it is created, so that its changes are announced to the waiters
   */
  Outcome create(CreateExecutionRequest request, Caller caller, boolean watched) {
    String tierName =
        request.tier() == null
            ? TierAccess.tierOf(caller, properties.defaultTier())
            : request.tier();
    try {
      Outcome outcome = createChecked(request, tierName, caller, watched);
      count(outcomeName(outcome), tierName);
      return outcome;
    } catch (RuntimeException e) {
      count("rejected", tiers.find(tierName).isPresent() ? tierName : "unknown");
      throw e;
    }
  }

  private Outcome createChecked(
      CreateExecutionRequest request, String tierName, Caller caller, boolean watched) {
    TierAccess.requireUse(caller, tierName);
    String sql = RequestFields.sql(request.sql(), properties.maxSqlSize());
    TierProperties tier =
        tiers.find(tierName).orElseThrow(() -> new UnknownTierException(tierName, tiers.names()));
    TierAccess.refuseDisallowed(tiers, tierName, sql);
    ResultFormat format = RequestFields.format(request.format());
    if (request.maxAge() != null
        && (request.maxAge() < 0 || request.maxAge() > MAX_AGE_LIMIT_SECONDS)) {
      throw new InvalidRequestException(
          "max_age", "max_age must be between 0 and " + MAX_AGE_LIMIT_SECONDS + " seconds");
    }
    Map<String, String> parameters = request.parameters() == null ? Map.of() : request.parameters();
    RequestFields.requireStringValues("parameters", parameters);
    RequestFields.requireStringValues("labels", request.labels());
    RequestFields.checkLabels(request.labels());
    String callbackUrl = callbackUrls.check(request.callbackUrl());
    String hash = queryHash.ofTier(sql, format.name(), parameters, tierName);
    String queryId = request.queryId() == null ? hash : request.queryId().strip();
    if (queryId.isEmpty() || queryId.length() > 256) {
      throw new InvalidRequestException("query_id", "query_id must have 1 to 256 characters");
    }
    NewExecution execution =
        NewExecution.builder(queryId, sql)
            .queryHash(hash)
            .name(RequestFields.checkName(request.name()))
            .format(format.name())
            .tier(tierName)
            .createdBy(caller.user())
            .labels(request.labels())
            .parameters(parameters)
            .maxAttempts(tier.maxAttempts())
            .shareKey(
                properties.effectiveShareScope() == ApiProperties.ShareScope.USER
                    ? caller.user()
                    : "")
            .quotaKey(caller.quotaKey())
            .callbackUrl(callbackUrl)
            .build();
    if (request.maxAge() != null && request.maxAge() > 0) {
      Optional<Execution> fresh =
          queries.findReusable(execution, Duration.ofSeconds(request.maxAge()));
      if (fresh.isPresent()) {
        executions.join(fresh.get().id(), caller.user(), ExecutionRepository.JoinedBy.REUSE);
        return new Outcome.Reused(fresh.get());
      }
    }
    boolean replace = Boolean.TRUE.equals(request.replace());
    boolean budgeted = budgetAnswers.any(tierName);
    if (!replace && tier.maxPendingPerUser() <= 0 && !budgeted) {
      return createOrCollapse(execution, caller, watched);
    }
    return transaction.execute(
        status -> {
          Outcome outcome = createUnderLimits(execution, replace, tier, caller, watched);
          if (budgeted && outcome instanceof Outcome.Created created) {
            // Past a budget, this throws and the transaction takes the execution away again.
            return new Outcome.Created(
                created.execution(), created.replaced(), budgets.charge(tierName, caller.user()));
          }
          return outcome;
        });
  }

  private Outcome createOrCollapse(NewExecution execution, Caller caller, boolean watched) {
    return switch (executions.createOrCollapse(execution, watched)) {
      case CreateOutcome.Created created -> new Outcome.Created(created.execution(), null, null);
      case CreateOutcome.Collapsed collapsed -> new Outcome.Collapsed(collapsed.execution());
      case CreateOutcome.Conflict conflict ->
          throw new QueryIdConflictException(conflict.execution(), caller);
    };
  }

  /**
   * A create that replaces, counts against the tier's cap on a user's executions in flight, or is
   * charged against its budgets, in one transaction (the caller's). The replaced execution is
   * canceled before the count, so a replace at the cap takes the place of the execution it
   * replaces; a create that collapses adds nothing in flight and passes the cap.
   */
  private Outcome createUnderLimits(
      NewExecution execution,
      boolean replace,
      TierProperties tier,
      Caller caller,
      boolean watched) {
    int cap = tier.maxPendingPerUser();
    if (cap > 0) {
      executions.lockCreates(execution.tier(), caller.user());
    }
    Execution replaced = null;
    for (int i = 0; i < REPLACE_TRIES; i++) {
      if (replace) {
        Optional<Execution> canceled = executions.cancelInFlight(execution, caller.owner());
        if (canceled.isPresent()) {
          replaced = canceled.get();
        }
      }
      if (cap > 0 && executions.countInFlight(execution.tier(), caller.user()) >= cap) {
        boolean collapses =
            executions
                .findInFlight(execution.tier(), execution.shareKey(), execution.queryId())
                .filter(inFlight -> inFlight.queryHash().equals(execution.queryHash()))
                .isPresent();
        if (!collapses) {
          throw new TooManyInFlightException(execution.tier(), cap, PENDING_CAP_RETRY_SECONDS);
        }
      }
      switch (executions.createOrCollapse(execution, watched)) {
        case CreateOutcome.Created created -> {
          return new Outcome.Created(created.execution(), replaced, null);
        }
        case CreateOutcome.Collapsed collapsed -> {
          return new Outcome.Collapsed(collapsed.execution());
        }
        case CreateOutcome.Conflict conflict -> {
          if (!replace || !mayReplace(caller, conflict.execution())) {
            throw new QueryIdConflictException(conflict.execution(), caller);
          }
          // Another replace committed in between: its execution is the one to cancel now.
        }
      }
    }
    throw new IllegalStateException(
        "query_id " + execution.queryId() + " kept changing hands during a replace");
  }

  private static boolean mayReplace(Caller caller, Execution inFlight) {
    return caller.owner() == null || caller.owner().equals(inFlight.createdBy());
  }

  private static String outcomeName(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Created created -> created.replaced() == null ? "created" : "replaced";
      case Outcome.Collapsed collapsed -> "collapsed";
      case Outcome.Reused reused -> "reused";
    };
  }

  private void count(String outcome, String tier) {
    Counter.builder("agp.api.executions")
        .description("Create requests by outcome: created, replaced, collapsed, reused, rejected")
        .tag("outcome", outcome)
        .tag("tier", tier)
        .register(meters)
        .increment();
  }
}
