package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionQueries;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.tier.UnknownTierException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns a create request into an execution: validates it, reuses a fresh enough result, creates or
 * collapses, and replaces an in-flight execution of the same query_id when asked. Counts each
 * outcome per tier.
 */
@Component
class ExecutionCreator {

  /** The longest max_age a request may give: results do not outlive their TTL anyway. */
  static final long MAX_AGE_LIMIT_SECONDS = 30L * 24 * 3600;

  /** How often a replace tries again when a concurrent create took the query_id in between. */
  private static final int REPLACE_TRIES = 5;

  private final ExecutionRepository executions;
  private final ExecutionQueries queries;
  private final Tiers tiers;
  private final ApiProperties properties;
  private final TransactionTemplate transaction;
  private final MeterRegistry meters;

  ExecutionCreator(
      ExecutionRepository executions,
      ExecutionQueries queries,
      Tiers tiers,
      ApiProperties properties,
      TransactionTemplate transaction,
      MeterRegistry meters) {
    this.executions = executions;
    this.queries = queries;
    this.tiers = tiers;
    this.properties = properties;
    this.transaction = transaction;
    this.meters = meters;
  }

  /** What a create did, for the response. */
  sealed interface Outcome {
    Execution execution();

    record Created(Execution execution, Execution replaced) implements Outcome {}

    record Collapsed(Execution execution) implements Outcome {}

    record Reused(Execution execution) implements Outcome {}
  }

  Outcome create(CreateExecutionRequest request, String caller) {
    String tierName = request.tier() == null ? properties.defaultTier() : request.tier();
    try {
      Outcome outcome = createChecked(request, tierName, caller);
      count(outcomeName(outcome), tierName);
      return outcome;
    } catch (RuntimeException e) {
      count("rejected", tiers.find(tierName).isPresent() ? tierName : "unknown");
      throw e;
    }
  }

  private Outcome createChecked(CreateExecutionRequest request, String tierName, String caller) {
    String sql = request.sql() == null ? "" : QueryHash.normalize(request.sql());
    if (sql.isEmpty()) {
      throw new InvalidRequestException("sql", "the SQL text is empty");
    }
    if (sql.getBytes(StandardCharsets.UTF_8).length > properties.maxSqlSize().toBytes()) {
      throw new SqlTooLargeException(properties.maxSqlSize());
    }
    TierProperties tier =
        tiers.find(tierName).orElseThrow(() -> new UnknownTierException(tierName, tiers.names()));
    ResultFormat format =
        request.format() == null
            ? ResultFormat.DEFAULT
            : ResultFormat.find(request.format())
                .orElseThrow(
                    () ->
                        new InvalidRequestException(
                            "format", "unknown format '" + request.format() + "'"));
    if (request.maxAge() != null
        && (request.maxAge() < 0 || request.maxAge() > MAX_AGE_LIMIT_SECONDS)) {
      throw new InvalidRequestException(
          "max_age", "max_age must be between 0 and " + MAX_AGE_LIMIT_SECONDS + " seconds");
    }
    Map<String, String> parameters = request.parameters() == null ? Map.of() : request.parameters();
    requireStringValues("parameters", parameters);
    requireStringValues("labels", request.labels());
    String hash = QueryHash.of(sql, format.name(), scoped(parameters, tierName, caller));
    String queryId = request.queryId() == null ? hash : request.queryId().strip();
    if (queryId.isEmpty() || queryId.length() > 256) {
      throw new InvalidRequestException("query_id", "query_id must have 1 to 256 characters");
    }
    if (request.maxAge() != null && request.maxAge() > 0) {
      Optional<Execution> fresh =
          queries.findReusable(queryId, hash, Duration.ofSeconds(request.maxAge()));
      if (fresh.isPresent()) {
        return new Outcome.Reused(fresh.get());
      }
    }
    NewExecution execution =
        new NewExecution(
            queryId,
            hash,
            sql,
            format.name(),
            tierName,
            caller,
            request.labels(),
            parameters,
            0,
            tier.maxAttempts());
    return Boolean.TRUE.equals(request.replace())
        ? replace(execution)
        : switch (executions.createOrCollapse(execution)) {
          case CreateOutcome.Created created -> new Outcome.Created(created.execution(), null);
          case CreateOutcome.Collapsed collapsed -> new Outcome.Collapsed(collapsed.execution());
          case CreateOutcome.Conflict conflict ->
              throw new QueryIdConflictException(conflict.execution());
        };
  }

  /**
   * Cancels the in-flight execution of the query_id (when it runs other SQL) and creates the new
   * one in one transaction, so that no reader sees the query_id without either. A concurrent
   * replace may commit its own execution between our two statements; then we cancel that one too.
   */
  private Outcome replace(NewExecution execution) {
    return transaction.execute(
        status -> {
          Execution replaced = null;
          for (int i = 0; i < REPLACE_TRIES; i++) {
            Optional<Execution> canceled =
                executions.cancelInFlight(execution.queryId(), execution.queryHash());
            if (canceled.isPresent()) {
              replaced = canceled.get();
            }
            switch (executions.createOrCollapse(execution)) {
              case CreateOutcome.Created created -> {
                return new Outcome.Created(created.execution(), replaced);
              }
              case CreateOutcome.Collapsed collapsed -> {
                return new Outcome.Collapsed(collapsed.execution());
              }
              case CreateOutcome.Conflict conflict -> {
                // Another replace committed in between: its execution is the one to cancel now.
              }
            }
          }
          throw new IllegalStateException(
              "query_id " + execution.queryId() + " kept changing hands during a replace");
        });
  }

  /**
   * The parameters as the query hash sees them: with the tier, since tiers may run on other
   * clusters, and with the user when results are shared per user only. Names start with a NUL so
   * that no parameter of the caller's can clash with them; they are never sent to ClickHouse.
   */
  private Map<String, String> scoped(Map<String, String> parameters, String tier, String user) {
    Map<String, String> scoped = new TreeMap<>(parameters);
    scoped.put("\0tier", tier);
    if (properties.shareScope() == ApiProperties.ShareScope.USER) {
      scoped.put("\0user", user);
    }
    return scoped;
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

  /** JSON lets a map value be null; labels and parameters are strings, so it is a 400. */
  private static void requireStringValues(String field, Map<String, String> values) {
    if (values == null) {
      return;
    }
    for (Map.Entry<String, String> entry : values.entrySet()) {
      if (entry.getValue() == null) {
        throw new InvalidRequestException(
            field + "." + entry.getKey(), "the values of " + field + " must be strings, not null");
      }
    }
  }
}
