package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.refresh.ScheduleRunner;
import io.agp.execution.AttemptId;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.QueryHash;
import io.agp.refresh.NewSchedule;
import io.agp.refresh.Schedule;
import io.agp.refresh.ScheduleRepository;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.tier.Tiers;
import io.agp.tier.TiersProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

class ScheduleRunnerTest {

  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(StandardCharsets.UTF_8));

  /** An instant on a minute boundary, far from now: the runner's clock is the test's alone. */
  private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");

  private final Fixture fixture = new Fixture();
  private final ScheduleRepository schedules = new ScheduleRepository(fixture.jdbc);
  private final TestClock clock = new TestClock(T0);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** The fixture's tier default, and a tier that lets a user have one execution in flight. */
  private final Tiers tiers =
      new Tiers(
          new Binder(
                  new MapConfigurationPropertySource(
                      Map.of(
                          "agp.tiers.default.clickhouse.url",
                          ClickHouseTestServer.shared().httpUrl().toString(),
                          "agp.tiers.capped.clickhouse.url",
                          ClickHouseTestServer.shared().httpUrl().toString(),
                          "agp.tiers.capped.max-pending-per-user",
                          "1")))
              .bind("agp", TiersProperties.class)
              .get());

  private final ScheduleRunner runner = runner(meters);

  @AfterEach
  void close() {
    fixture.close();
  }

  private ScheduleRunner runner(SimpleMeterRegistry registry) {
    return new ScheduleRunner(
        schedules,
        fixture.executions,
        tiers,
        new TransactionTemplate(new DataSourceTransactionManager(fixture.dataSource)),
        new BookkeeperProperties.Schedules(Duration.ofSeconds(1), 500, Duration.ofMinutes(1)),
        clock,
        registry);
  }

  @Test
  void createsARunWhenItIsDueAsItsOwnerAndMovesOnToTheNext() {
    long id = every(Duration.ofMinutes(10), T0, "SELECT 1", "default", "alice");

    clock.set(T0.minusSeconds(1));
    assertThat(runner.runOnce().created()).isZero();
    assertThat(executions()).isEmpty();

    clock.set(T0.plusMillis(300));
    ScheduleRunner.Report report = runner.runOnce();

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.late()).isZero();
    Execution run = executions().getFirst();
    assertThat(run.status()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(run.createdBy()).isEqualTo("alice");
    assertThat(run.queryId()).isEqualTo("q-" + id);
    assertThat(run.queryHash()).isEqualTo(HASH.ofTier("SELECT 1", "CSV", Map.of(), "default"));
    assertThat(run.labels()).containsEntry("schedule", Long.toString(id));
    Schedule schedule = schedules.get(id, null).orElseThrow();
    assertThat(schedule.nextRunAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    assertThat(schedule.lastExecutionId()).isEqualTo(run.id());
    assertThat(schedule.lastStatus()).isEqualTo(ExecutionStatus.PENDING);
    assertThat(schedule.lastOutcome()).isEqualTo("created");
    assertThat(schedule.lastRunAt()).isEqualTo(T0.plusMillis(300));

    // The same instant again: the run is taken, nothing more is due.
    assertThat(runner.runOnce().created()).isZero();
    assertThat(executions()).hasSize(1);
    assertThat(counter("created")).isEqualTo(1);
  }

  @Test
  void doesNotDoubleARunWhoseExecutionIsStillInFlight() throws Exception {
    long id = every(Duration.ofMinutes(10), T0, "SELECT 2", "default", "alice");
    clock.set(T0);
    runner.runOnce();
    AttemptId first =
        fixture.executions.claim("default", "w", 1, Duration.ofMinutes(5)).getFirst().attemptId();

    clock.set(T0.plus(Duration.ofMinutes(10)));
    ScheduleRunner.Report report = runner.runOnce();

    assertThat(report.created()).isZero();
    assertThat(report.inFlight()).isEqualTo(1);
    assertThat(executions()).hasSize(1);
    assertThat(executions().getFirst().collapsedCount()).isZero();
    Schedule schedule = schedules.get(id, null).orElseThrow();
    assertThat(schedule.lastOutcome()).isEqualTo("in_flight");
    assertThat(schedule.lastExecutionId()).isEqualTo(first.executionId());
    assertThat(schedule.lastStatus()).isEqualTo(ExecutionStatus.RUNNING);
    assertThat(schedule.nextRunAt()).isEqualTo(T0.plus(Duration.ofMinutes(20)));
    assertThat(counter("in_flight")).isEqualTo(1);

    // Once it ended, the next due run creates a new execution.
    fixture.succeed(first, Duration.ofHours(1));
    clock.set(T0.plus(Duration.ofMinutes(20)));
    assertThat(runner.runOnce().created()).isEqualTo(1);
    assertThat(executions()).hasSize(2);
  }

  @Test
  void runsOnceAfterDowntimeAndThenKeepsToTheInterval() {
    long id = every(Duration.ofMinutes(1), T0, "SELECT 3", "default", "alice");

    // 100 runs were missed while no bookkeeper ran.
    clock.set(T0.plus(Duration.ofMinutes(100)).plusSeconds(30));
    ScheduleRunner.Report report = runner.runOnce();

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.late()).isEqualTo(1);
    assertThat(executions()).hasSize(1);
    assertThat(schedules.get(id, null).orElseThrow().nextRunAt())
        .isEqualTo(T0.plus(Duration.ofMinutes(101)));
    assertThat(meters.get("agp.schedules.late").counter().count()).isEqualTo(1);
    assertThat(runner.runOnce().created()).isZero();
  }

  @Test
  void aCronScheduleRunsOnceAfterDowntimeAndThenAtItsNextInstant() {
    long id =
        schedules.create(
            schedule("SELECT 4", "default", "bob", null, "0 0 * * * *", T0)); // every hour
    clock.set(T0.plus(Duration.ofHours(30)).plusSeconds(90));

    assertThat(runner.runOnce().created()).isEqualTo(1);
    assertThat(executions()).hasSize(1);
    assertThat(schedules.get(id, null).orElseThrow().nextRunAt())
        .isEqualTo(T0.plus(Duration.ofHours(31)));
  }

  @Test
  void aRunTheTierNowRefusesIsRecordedAsTheLastErrorAndTheScheduleGoesOn() {
    // As if the tier's policy had changed since the schedule was made (the API checks it then).
    long refused =
        every(
            Duration.ofMinutes(5),
            T0,
            "SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'x UInt8')",
            "default",
            "alice");
    long gone = every(Duration.ofMinutes(5), T0, "SELECT 5", "no_such_tier", "alice");
    long fine = every(Duration.ofMinutes(5), T0, "SELECT 6", "default", "alice");
    clock.set(T0);

    ScheduleRunner.Report report = runner.runOnce();

    assertThat(report.refused()).isEqualTo(2);
    assertThat(report.created()).isEqualTo(1);
    assertThat(report.failed()).isZero();
    assertThat(executions()).extracting(Execution::sql).containsExactly("SELECT 6");
    Schedule policy = schedules.get(refused, null).orElseThrow();
    assertThat(policy.lastOutcome()).isEqualTo("refused");
    assertThat(policy.lastError()).contains("url");
    assertThat(policy.lastExecutionId()).isNull();
    assertThat(policy.nextRunAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(schedules.get(gone, null).orElseThrow().lastError()).contains("no_such_tier");
    assertThat(schedules.get(fine, null).orElseThrow().lastError()).isNull();
    assertThat(counter("refused")).isEqualTo(2);
  }

  @Test
  void aRunOverTheOwnersCapOfTheTierIsRefused() {
    fixture.executions.createOrCollapse(
        io.agp.execution.NewExecution.builder("other", "SELECT 'busy'")
            .tier("capped")
            .createdBy("alice")
            .build());
    long id = every(Duration.ofMinutes(5), T0, "SELECT 7", "capped", "alice");
    long bobs = every(Duration.ofMinutes(5), T0, "SELECT 7", "capped", "bob");
    clock.set(T0);

    runner.runOnce();

    assertThat(schedules.get(id, null).orElseThrow().lastError()).contains("pending or running");
    assertThat(schedules.get(bobs, null).orElseThrow().lastOutcome()).isEqualTo("created");
  }

  @Test
  void aRunThatFailsIsRolledBackAndLeftDueWhileTheOthersRun() {
    long broken = every(Duration.ofMinutes(5), T0, "SELECT 9", "default", "alice");
    long fine = every(Duration.ofMinutes(5), T0.plusSeconds(1), "SELECT 10", "default", "alice");
    // A cadence no API would store: reading it fails after the claim.
    fixture
        .jdbc
        .sql("update schedules set every_seconds = null, cron = 'not a cron' where id = :id")
        .param("id", broken)
        .update();
    clock.set(T0.plusSeconds(2));

    ScheduleRunner.Report report = runner.runOnce();

    assertThat(report.failed()).isEqualTo(1);
    assertThat(report.created()).isEqualTo(1);
    assertThat(executions()).extracting(Execution::sql).containsExactly("SELECT 10");
    assertThat(schedules.get(broken, null).orElseThrow().nextRunAt()).isEqualTo(T0);
    assertThat(schedules.get(fine, null).orElseThrow().lastOutcome()).isEqualTo("created");
  }

  @Test
  void pausedSchedulesDoNotRun() {
    long id = every(Duration.ofMinutes(5), T0, "SELECT 8", "default", "alice");
    assertThat(schedules.setPaused(id, "alice", true, null)).isTrue();
    clock.set(T0.plus(Duration.ofHours(1)));

    assertThat(runner.runOnce().created()).isZero();
    assertThat(executions()).isEmpty();
    assertThat(meters.get("agp.schedules").tag("state", "paused").gauge().value()).isEqualTo(1);
  }

  @Test
  void twoBookkeepersRacingNeverCreateTheSameRunTwice() throws Exception {
    int count = 60;
    for (int i = 0; i < count; i++) {
      every(Duration.ofMinutes(10), T0, "SELECT 'race " + i + "'", "default", "user" + (i % 3));
    }
    clock.set(T0.plusSeconds(1));
    List<SimpleMeterRegistry> registries = List.of(new SimpleMeterRegistry(), meters);
    List<ScheduleRunner> runners = registries.stream().map(this::runner).toList();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> created = new ArrayList<>();
    try (ExecutorService bookkeepers = Executors.newFixedThreadPool(runners.size())) {
      for (ScheduleRunner r : runners) {
        created.add(
            bookkeepers.submit(
                () -> {
                  start.await();
                  int n = 0;
                  for (int round = 0; round < 5; round++) {
                    ScheduleRunner.Report report = r.runOnce();
                    assertThat(report.inFlight()).isZero();
                    assertThat(report.failed()).isZero();
                    n += report.created();
                  }
                  return n;
                }));
      }
      start.countDown();
    }
    int total = 0;
    for (Future<Integer> future : created) {
      total += future.get();
    }

    assertThat(total).isEqualTo(count);
    assertThat(executions()).hasSize(count).allMatch(e -> e.collapsedCount() == 0);
    assertThat(
            fixture
                .jdbc
                .sql("select count(*) from schedules where next_run_at = :next")
                .param("next", T0.plus(Duration.ofMinutes(10)).atOffset(ZoneOffset.UTC))
                .query(Long.class)
                .single())
        .isEqualTo(count);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private long every(Duration interval, Instant due, String sql, String tier, String owner) {
    long id = schedules.create(schedule(sql, tier, owner, interval.toSeconds(), null, due));
    // A query_id of its own, as an API create with query_id would give it.
    fixture
        .jdbc
        .sql("update schedules set query_id = 'q-' || id where id = :id")
        .param("id", id)
        .update();
    return id;
  }

  private static NewSchedule schedule(
      String sql, String tier, String owner, Long everySeconds, String cron, Instant due) {
    return new NewSchedule(
        owner,
        null,
        HASH.ofTier(sql, "CSV", Map.of(), tier),
        HASH.ofTier(sql, "CSV", Map.of(), tier),
        sql,
        "CSV",
        tier,
        Map.of(),
        Map.of(),
        owner,
        null,
        everySeconds,
        cron,
        false,
        due);
  }

  private List<Execution> executions() {
    List<Long> ids =
        fixture.jdbc.sql("select id from executions order by id").query(Long.class).list();
    return ids.stream().map(id -> fixture.executions.get(id).orElseThrow()).toList();
  }

  private double counter(String outcome) {
    return meters.get("agp.schedules.runs").tag("outcome", outcome).counter().count();
  }

  /** A clock the test sets. */
  private static final class TestClock extends Clock {

    private volatile Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
