package io.agp.bookkeeper.refresh;

import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.refresh.Schedule;
import io.agp.refresh.ScheduleRepository;
import io.agp.refresh.ScheduleRepository.Outcome;
import io.agp.schedule.PeriodicJob;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.tier.UnsupportedQueryException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Creates the runs of the schedules that are due: each through the executions' own create (the one
 * the API uses), as the schedule's owner, after the tier's checks of the moment.
 *
 * <p>Each due schedule is claimed, run and moved on to its next run in one short transaction: the
 * claim locks the row ({@code FOR UPDATE SKIP LOCKED}), so two bookkeepers never take the same run,
 * and the execution and the schedule's new next run commit together or not at all.
 *
 * <ul>
 *   <li>One run at a time: while the previous run's execution is in flight, a due run creates
 *       nothing (that execution stands for it).
 *   <li>No replay: a schedule due many times over (the bookkeepers were down) runs once, and its
 *       next run is the first instant of its cadence after now.
 *   <li>A run the tier refuses now (its policy changed, the tier went, the owner's cap is reached,
 *       another query holds the query_id) is recorded as the schedule's last error; the schedule
 *       goes on with its next run.
 * </ul>
 */
public final class ScheduleRunner implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(ScheduleRunner.class);

  private final ScheduleRepository schedules;
  private final ExecutionRepository executions;
  private final Tiers tiers;
  private final TransactionOperations transactions;
  private final BookkeeperProperties.Schedules properties;
  private final Clock clock;
  private final Map<Outcome, Counter> runs = new EnumMap<>(Outcome.class);
  private final Counter late;
  private final AtomicLong active = new AtomicLong();
  private final AtomicLong paused = new AtomicLong();

  public ScheduleRunner(
      ScheduleRepository schedules,
      ExecutionRepository executions,
      Tiers tiers,
      TransactionOperations transactions,
      BookkeeperProperties.Schedules properties,
      Clock clock,
      MeterRegistry meters) {
    this.schedules = schedules;
    this.executions = executions;
    this.tiers = tiers;
    this.transactions = transactions;
    this.properties = properties;
    this.clock = clock;
    for (Outcome outcome : Outcome.values()) {
      runs.put(
          outcome,
          Counter.builder("agp.schedules.runs")
              .description(
                  "Due runs of schedules by outcome: created, in_flight (the previous run was"
                      + " still going, nothing created), refused")
              .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
              .register(meters));
    }
    this.late =
        Counter.builder("agp.schedules.late")
            .description("Runs of schedules taken more than late-after after they were due")
            .register(meters);
    Gauge.builder("agp.schedules", active, AtomicLong::get)
        .description("Schedules by state")
        .tag("state", "active")
        .register(meters);
    Gauge.builder("agp.schedules", paused, AtomicLong::get)
        .description("Schedules by state")
        .tag("state", "paused")
        .register(meters);
  }

  /** What one round did. */
  public record Report(int created, int inFlight, int refused, int late, int failed) {}

  @Override
  public String name() {
    return "schedules";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    int lateRuns = 0;
    int failed = 0;
    // Schedules this round took, so that one whose run failed is not taken again at once.
    List<Long> passed = new ArrayList<>();
    for (int i = 0; i < properties.batchSize(); i++) {
      int taken = passed.size();
      Optional<Run> run;
      try {
        run = transactions.execute(status -> runNext(now, passed));
      } catch (RuntimeException e) {
        if (passed.size() == taken) {
          // Nothing was claimed: the database itself failed, and the round ends here.
          throw e;
        }
        // Rolled back: the schedule is due again, and the next round tries it again.
        failed++;
        log.error("a run of schedule {} failed; the next round tries again", passed.getLast(), e);
        continue;
      }
      if (run == null || run.isEmpty()) {
        break;
      }
      counts.merge(run.get().outcome(), 1, Integer::sum);
      runs.get(run.get().outcome()).increment();
      if (run.get().late()) {
        lateRuns++;
        late.increment();
      }
    }
    ScheduleRepository.Counts states = schedules.countByState();
    active.set(states.active());
    paused.set(states.paused());
    return new Report(
        counts.getOrDefault(Outcome.CREATED, 0),
        counts.getOrDefault(Outcome.IN_FLIGHT, 0),
        counts.getOrDefault(Outcome.REFUSED, 0),
        lateRuns,
        failed);
  }

  private record Run(Outcome outcome, boolean late) {}

  /** Claims the schedule due longest ago, runs it and records the run; empty when none is due. */
  private Optional<Run> runNext(Instant now, List<Long> passed) {
    Optional<Schedule> claimed = schedules.claimDue(now, passed);
    if (claimed.isEmpty()) {
      return Optional.empty();
    }
    Schedule schedule = claimed.get();
    passed.add(schedule.id());
    Attempt attempt = attempt(schedule);
    Instant next = schedule.cadence().next(schedule.nextRunAt(), now);
    if (!schedules.recordRun(
        schedule.id(),
        schedule.nextRunAt(),
        now,
        next,
        attempt.outcome(),
        attempt.executionId(),
        attempt.error())) {
      // Cannot happen while the claim holds the row; if it does, nothing of this run may stay.
      throw new IllegalStateException("schedule " + schedule.id() + " changed under its claim");
    }
    if (attempt.outcome() == Outcome.REFUSED) {
      log.info("run of schedule {} refused: {}", schedule.id(), attempt.error());
    }
    boolean isLate =
        Duration.between(schedule.nextRunAt(), now).compareTo(properties.lateAfter()) > 0;
    return Optional.of(new Run(attempt.outcome(), isLate));
  }

  private record Attempt(Outcome outcome, Long executionId, String error) {

    static Attempt refused(String error) {
      return new Attempt(Outcome.REFUSED, null, error);
    }
  }

  /** Creates the run's execution, unless the previous one is in flight or the tier refuses it. */
  private Attempt attempt(Schedule schedule) {
    Optional<TierProperties> found = tiers.find(schedule.tier());
    if (found.isEmpty()) {
      return Attempt.refused("the tier '" + schedule.tier() + "' no longer exists");
    }
    TierProperties tier = found.get();
    try {
      tiers.policy(schedule.tier()).check(schedule.sql());
    } catch (UnsupportedQueryException e) {
      return Attempt.refused("the tier refuses the query now: " + e.getMessage());
    }
    Optional<Execution> inFlight =
        executions.findInFlight(schedule.tier(), schedule.shareKey(), schedule.queryId());
    if (inFlight.isPresent()) {
      return inFlight(inFlight.get(), schedule);
    }
    int cap = tier.maxPendingPerUser();
    if (cap > 0) {
      executions.lockCreates(schedule.tier(), schedule.owner());
      if (executions.countInFlight(schedule.tier(), schedule.owner()) >= cap) {
        return Attempt.refused(
            "the owner has "
                + cap
                + " executions of tier "
                + schedule.tier()
                + " pending or running, the most the tier allows one user");
      }
    }
    Map<String, String> labels = new HashMap<>(schedule.labels());
    labels.put("schedule", Long.toString(schedule.id()));
    NewExecution request =
        NewExecution.builder(schedule.queryId(), schedule.sql())
            .queryHash(schedule.queryHash())
            .name(schedule.name())
            .format(schedule.format())
            .tier(schedule.tier())
            .createdBy(schedule.owner())
            .labels(labels)
            .parameters(schedule.parameters())
            .maxAttempts(tier.maxAttempts())
            .shareKey(schedule.shareKey())
            .quotaKey(schedule.quotaKey())
            .build();
    return switch (executions.createOrCollapse(request)) {
      case CreateOutcome.Created created ->
          new Attempt(Outcome.CREATED, created.execution().id(), null);
      case CreateOutcome.Collapsed collapsed ->
          new Attempt(Outcome.IN_FLIGHT, collapsed.execution().id(), null);
      case CreateOutcome.Conflict conflict -> inFlight(conflict.execution(), schedule);
    };
  }

  private static Attempt inFlight(Execution execution, Schedule schedule) {
    if (execution.queryHash().equals(schedule.queryHash())) {
      return new Attempt(Outcome.IN_FLIGHT, execution.id(), null);
    }
    return Attempt.refused(
        "another query is in flight under the query_id '"
            + schedule.queryId()
            + "' (execution "
            + execution.id()
            + ")");
  }
}
