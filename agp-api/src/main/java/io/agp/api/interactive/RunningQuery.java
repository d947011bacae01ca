package io.agp.api.interactive;

import io.agp.api.usage.UsageRecorder;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.clickhouse.ClickHouseUnreachableException;
import io.agp.clickhouse.QuerySummary;
import io.agp.tier.TierClickHouse;
import io.agp.usage.Budgets;
import io.agp.usage.UsageEvents;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One interactive query, from the slot it takes to its end: sent to a node of its tier with the
 * tier's settings, stopped at once when its client goes away ({@link #kill}), and timed per api,
 * tier and outcome when closed, when its usage is recorded too (once it was sent to a node), to
 * await its figures from system.query_log where the tier reads it and its answer's were not final.
 */
final class RunningQuery implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RunningQuery.class);

  /**
   * Lets ClickHouse cancel a read-only query as soon as its client's connection closes, not only
   * when its next write fails; the gateway closes that connection when its own client leaves.
   */
  static final String CANCEL_ON_CLOSE = "cancel_http_readonly_queries_on_client_close";

  /** How a query ended, as its metric says. */
  enum Outcome {
    SUCCEEDED,
    FAILED,
    CLIENT_GONE
  }

  /** Sends the query to one node, with the settings the tier gives it there. */
  @FunctionalInterface
  interface Sender {
    ClickHouseResponse send(ClickHouseClient node, Map<String, String> settings);
  }

  /** The client went away before the query's answer came: nothing to answer. */
  static final class ClientGoneException extends RuntimeException {
    ClientGoneException() {
      super("the client closed its connection", null, false, false);
    }
  }

  private final InteractiveQueries.Api api;
  private final String tierName;
  private final TierClickHouse clickhouse;
  private final String quotaKey;
  private final String owner;
  private final String queryId;
  private final InteractiveSlots.Slot slot;
  private final MeterRegistry meters;
  private final Executor killer;
  private final Budgets.State budget;
  private final UsageRecorder usage;
  private final long startedNanos = System.nanoTime();
  private ClickHouseClient node;
  private ClickHouseResponse response;
  private boolean killed;
  private volatile Outcome outcome = Outcome.FAILED;
  // Written by the one thread that passes the answer on.
  private volatile long resultBytes;

  /**
   * What one interactive query is: which API sends it, for whom, on which tier, under which ids, in
   * which slot, and what its charge left of the caller's budgets (null without any).
   */
  record Started(
      InteractiveQueries.Api api,
      String tierName,
      String owner,
      String quotaKey,
      String queryId,
      InteractiveSlots.Slot slot,
      Budgets.State budget) {}

  RunningQuery(
      Started started,
      TierClickHouse clickhouse,
      MeterRegistry meters,
      Executor killer,
      UsageRecorder usage) {
    this.api = started.api();
    this.tierName = started.tierName();
    this.clickhouse = clickhouse;
    this.quotaKey = started.quotaKey();
    this.owner = started.owner();
    this.queryId = started.queryId();
    this.slot = started.slot();
    this.meters = meters;
    this.killer = killer;
    this.budget = started.budget();
    this.usage = usage;
  }

  /** What remains of the caller's daily budgets after this query's charge; null without any. */
  Budgets.State budget() {
    return budget;
  }

  String queryId() {
    return queryId;
  }

  String tierName() {
    return tierName;
  }

  /** The node that runs the query; null before it is sent. */
  synchronized ClickHouseClient node() {
    return node;
  }

  /**
   * Sends the query to the tier's endpoints in turn until one takes the connection, and returns
   * once the answer's head is in.
   *
   * @param parameters the query's parameters (without the {@code param_} prefix)
   * @param affinity a key that ties the query to one node (a session), or null for the next in turn
   * @throws ClientGoneException when the client left meanwhile
   */
  ClickHouseResponse send(Map<String, String> parameters, String affinity, Sender sender) {
    List<ClickHouseClient> candidates =
        affinity == null ? clickhouse.candidates() : clickhouse.candidates(affinity);
    for (int i = 0; ; i++) {
      ClickHouseClient candidate = candidates.get(i);
      try {
        // First, as the first query of a tier asks the server what it knows. The SQL's settings
        // were checked by InteractiveQueries.prepare.
        Map<String, String> settings =
            new LinkedHashMap<>(clickhouse.settingsFor(quotaKey, parameters, candidate));
        if (clickhouse.knows(CANCEL_ON_CLOSE, candidate)) {
          settings.put(CANCEL_ON_CLOSE, "1");
        }
        synchronized (this) {
          if (killed) {
            throw new ClientGoneException();
          }
          node = candidate;
        }
        ClickHouseResponse answer = sender.send(candidate, settings);
        return attach(answer);
      } catch (ClickHouseUnreachableException e) {
        clickhouse.unreachable(candidate);
        if (i + 1 == candidates.size()) {
          throw e;
        }
        log.warn("{}; trying the next endpoint", e.getMessage());
      }
    }
  }

  private ClickHouseResponse attach(ClickHouseResponse answer) {
    synchronized (this) {
      if (!killed) {
        response = answer;
        return answer;
      }
    }
    // Killed while the query was being sent: the kill may have come before the query started.
    answer.close();
    killOnServer();
    throw new ClientGoneException();
  }

  /**
   * Stops the query because its client left: cuts the connection to ClickHouse, and kills the query
   * there, since a query that writes or sends nothing for a while would not notice.
   */
  void kill() {
    stop(Outcome.CLIENT_GONE);
  }

  /** Stops the query, which ends as told: cuts its connection and kills it on the server. */
  void stop(Outcome end) {
    ClickHouseResponse answer;
    synchronized (this) {
      if (killed) {
        return;
      }
      killed = true;
      answer = response;
    }
    outcome = end;
    if (answer != null) {
      answer.close();
    }
    killOnServer();
  }

  synchronized boolean killed() {
    return killed;
  }

  private void killOnServer() {
    ClickHouseClient on = node();
    if (on == null) {
      return;
    }
    killer.execute(
        () -> {
          try {
            on.system().kill(queryId);
          } catch (RuntimeException e) {
            log.warn("could not kill interactive query {} of a client that left", queryId, e);
          }
        });
  }

  /** The query ended as told, unless its client had gone. */
  void ended(Outcome end) {
    if (outcome != Outcome.CLIENT_GONE) {
      outcome = end;
    }
  }

  /** {@code bytes} more of the answer went to the client. */
  void passed(long bytes) {
    resultBytes += bytes;
  }

  /** Gives the slot back and records the query's time, outcome and usage. */
  @Override
  public void close() {
    ClickHouseResponse answer;
    ClickHouseClient sentTo;
    synchronized (this) {
      answer = response;
      sentTo = node;
    }
    if (answer != null) {
      answer.close();
    }
    slot.close();
    Timer.builder("agp.api.interactive.queries")
        .description("Interactive queries (sync run, ClickHouse proxy) by api, tier and outcome")
        .tag("api", api.tag())
        .tag("tier", tierName)
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(meters)
        .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    if (sentTo != null) {
      // A query refused before it was sent ran nothing: no usage.
      UsageEvents.Outcome ended =
          switch (outcome) {
            case SUCCEEDED -> UsageEvents.Outcome.SUCCEEDED;
            case FAILED -> UsageEvents.Outcome.FAILED;
            case CLIENT_GONE -> UsageEvents.Outcome.CANCELED;
          };
      Optional<QuerySummary> summary = answer == null ? Optional.empty() : answer.summary();
      long bytes = resultBytes;
      boolean awaitQueryLog =
          clickhouse.tier().readQueryLog() && !UsageRecorder.finalFigures(ended, summary, bytes);
      usage.query(
          api == InteractiveQueries.Api.SYNC
              ? UsageEvents.Interactive.SYNC
              : UsageEvents.Interactive.CHPROXY,
          tierName,
          owner,
          ended,
          UsageRecorder.figures(summary, bytes),
          awaitQueryLog ? queryId : null);
    }
  }
}
