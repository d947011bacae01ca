package io.agp.api.queue;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.agp.api.ForbiddenException;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.tier.Tiers;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The queues of every tier, for admins: in-flight counts, the oldest wait, what ended minute by
 * minute over the last hour, and the running executions with their users. Three bounded statements
 * (see {@link QueueQueries}).
 */
@RestController
@RequestMapping("/v1/async")
class QueueController {

  static final int MINUTES = 60;
  static final int MAX_RUNNING = 100;

  private final QueueQueries queues;
  private final Callers callers;
  private final Tiers tiers;
  private final Clock clock;

  QueueController(QueueQueries queues, Callers callers, Tiers tiers, Clock clock) {
    this.queues = queues;
    this.callers = callers;
    this.tiers = tiers;
    this.clock = clock;
  }

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record QueuesView(
      Instant asOf, List<TierView> tiers, List<RunningView> running, boolean runningTruncated) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record TierView(
      String tier,
      long pending,
      long running,
      Long oldestPendingMs,
      List<MinuteView> endedPerMinute) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record MinuteView(Instant minute, long succeeded, long failed, long canceled) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record RunningView(
      long id,
      String tier,
      String createdBy,
      String queryId,
      int attempt,
      Instant pickedAt,
      long runningMs,
      Long rows,
      Long totalRows) {}

  @GetMapping("/queues")
  QueuesView queues(HttpServletRequest http) {
    Caller caller = callers.current(http);
    if (!caller.admin()) {
      throw new ForbiddenException(null, "the queues of every tier are shown to admins only");
    }
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, Long> oldest = new TreeMap<>();
    Map<String, List<MinuteView>> minutes = new TreeMap<>();
    // Every configured tier, and any other that still has executions (a tier since removed).
    tiers.names().forEach(tier -> counts.put(tier, new long[2]));
    for (QueueQueries.InFlight inFlight : queues.countInFlight()) {
      counts.put(inFlight.tier(), new long[] {inFlight.pending(), inFlight.running()});
      if (inFlight.oldestPendingMillis() != null) {
        oldest.put(inFlight.tier(), inFlight.oldestPendingMillis());
      }
    }
    for (QueueQueries.EndedInMinute ended : queues.countEndedPerMinute(MINUTES)) {
      counts.computeIfAbsent(ended.tier(), tier -> new long[2]);
      minutes
          .computeIfAbsent(ended.tier(), tier -> new ArrayList<>())
          .add(new MinuteView(ended.minute(), ended.succeeded(), ended.failed(), ended.canceled()));
    }
    List<TierView> tierViews = new ArrayList<>();
    counts.forEach(
        (tier, pendingAndRunning) ->
            tierViews.add(
                new TierView(
                    tier,
                    pendingAndRunning[0],
                    pendingAndRunning[1],
                    oldest.get(tier),
                    minutes.getOrDefault(tier, List.of()))));
    List<QueueQueries.Running> running = queues.listRunning(MAX_RUNNING + 1);
    List<RunningView> runningViews =
        running.stream()
            .limit(MAX_RUNNING)
            .map(
                r ->
                    new RunningView(
                        r.id(),
                        r.tier(),
                        r.createdBy(),
                        r.queryId(),
                        r.attempt(),
                        r.pickedAt(),
                        r.runningMillis(),
                        r.rows(),
                        r.totalRows()))
            .toList();
    return new QueuesView(clock.instant(), tierViews, runningViews, running.size() > MAX_RUNNING);
  }
}
