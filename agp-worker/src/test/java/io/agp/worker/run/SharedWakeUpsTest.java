package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.CreateOutcome;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.MigratedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fleet of workers of one tier (each with its own pools and listener, as separate processes would
 * have them) against the real PostgreSQL and ClickHouse: each new execution wakes one worker, not
 * all of them, so that an execution costs one claim statement whatever the number of workers. The
 * poll interval is far longer than the tests wait, so that only the notifications explain a claim.
 */
class SharedWakeUpsTest {

  private static final int WORKERS = 6;
  private static final Duration NO_POLL = Duration.ofMinutes(5);

  private MigratedDatabase database;
  private ExecutionRepository executions;
  private Path results;
  private final List<SimulatedWorker> fleet = new ArrayList<>();

  @BeforeEach
  void startFleet() throws Exception {
    database = MigratedDatabase.create();
    executions = new ExecutionRepository(database.jdbc(), database.transactions());
    results = Files.createTempDirectory("agp-fleet");
    for (int i = 0; i < WORKERS; i++) {
      fleet.add(start("fleet-" + i));
    }
    awaitEveryViewHas(WORKERS);
  }

  @AfterEach
  void stopFleet() {
    fleet.forEach(SimulatedWorker::close);
    database.close();
  }

  @Test
  void eachNewExecutionWakesOneWorkerAndCostsOneClaim() {
    double claimed = claims("claimed");
    double empty = claims("empty");

    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      long id = create("SELECT " + i);
      ids.add(id);
      awaitSucceeded(List.of(id));
    }

    assertThat(claims("empty") - empty).isZero();
    assertThat(claims("claimed") - claimed).isEqualTo(12);
    assertThat(pickupMillis(ids)).allSatisfy(ms -> assertThat(ms).isLessThan(1_000));
    // Dealt from a random place each time: twelve executions do not all land on one worker.
    assertThat(workersThatRan(ids)).hasSizeGreaterThan(1);
  }

  @Test
  void executionsAnnouncedTogetherAreDealtOneToEachWorker() {
    double claimed = claims("claimed");
    double empty = claims("empty");

    List<Long> ids = createTogether(5);
    awaitSucceeded(ids);

    assertThat(claims("empty") - empty).isZero();
    assertThat(claims("claimed") - claimed).isEqualTo(5);
    assertThat(workersThatRan(ids)).hasSize(5);
  }

  @Test
  void aWorkerThatStopsLeavesTheFleetAndNothingIsDealtToIt() {
    SimulatedWorker leaving = fleet.removeLast();
    leaving.close();
    awaitEveryViewHas(WORKERS - 1);

    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(create("SELECT " + i));
    }

    // With a share dealt to the worker that left, some would wait for the poll (minutes).
    awaitSucceeded(ids);
    assertThat(workersThatRan(ids)).doesNotContain("fleet-" + (WORKERS - 1));
  }

  @Test
  void aWorkerThatJoinsIsDealtItsShare() {
    SimulatedWorker joined = start("fleet-new");
    fleet.add(joined);
    awaitEveryViewHas(WORKERS + 1);
    double empty = claims("empty");

    List<Long> ids = createTogether(WORKERS + 1);
    awaitSucceeded(ids);

    // As many executions as workers, in one notification: one each, the newcomer's included.
    assertThat(claims("empty") - empty).isZero();
    assertThat(joined.claims("claimed")).isEqualTo(1);
    assertThat(workersThatRan(ids)).hasSize(WORKERS + 1);
  }

  private SimulatedWorker start(String id) {
    return SimulatedWorker.start(
        id,
        database.dataSource().getJdbcUrl(),
        ClickHouseTestServer.shared().httpUrl(),
        results,
        NO_POLL);
  }

  private void awaitEveryViewHas(int workers) {
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> fleet.stream().allMatch(w -> w.fleetView().length == workers));
  }

  private double claims(String result) {
    return fleet.stream().mapToDouble(w -> w.claims(result)).sum();
  }

  private long create(String sql) {
    String queryId = UUID.randomUUID().toString();
    CreateOutcome outcome =
        executions.createOrCollapse(
            NewExecution.builder(queryId, sql).format("TSV").createdBy("u").build());
    return outcome.execution().id();
  }

  /** Creates executions in one transaction: one notification counts them all. */
  private List<Long> createTogether(int count) {
    return database
        .transactions()
        .execute(
            status -> {
              List<Long> ids = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                ids.add(create("SELECT " + i));
              }
              return ids;
            });
  }

  private void awaitSucceeded(List<Long> ids) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                database
                        .jdbc()
                        .sql(
                            "select count(*) from executions"
                                + " where id = any(:ids) and status = 'SUCCEEDED'")
                        .param("ids", ids.toArray(Long[]::new))
                        .query(Long.class)
                        .single()
                    == ids.size());
  }

  private List<Long> pickupMillis(List<Long> ids) {
    return database
        .jdbc()
        .sql(
            "select (extract(epoch from picked_at - created_at) * 1000)::bigint from executions"
                + " where id = any(:ids)")
        .param("ids", ids.toArray(Long[]::new))
        .query(Long.class)
        .list();
  }

  private List<String> workersThatRan(List<Long> ids) {
    return database
        .jdbc()
        .sql("select distinct worker_id from executions where id = any(:ids)")
        .param("ids", ids.toArray(Long[]::new))
        .query(String.class)
        .list();
  }
}
