package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.MigratedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Workers whose clocks are 30 s off, one ahead and one behind, change nothing: leases and expiry
 * are reckoned by the database's clock, the workers' own clocks only time their attempts.
 */
class ClockSkewTest {

  private static final Duration LEASE = Duration.ofSeconds(2);

  @Test
  void workersThirtySecondsAheadAndBehindKeepTheirLeasesAndExpireNothingEarly() throws Exception {
    Path results = Files.createTempDirectory("agp-skew");
    List<SimulatedWorker> workers = new ArrayList<>();
    try (MigratedDatabase database = MigratedDatabase.create()) {
      ExecutionRepository executions = new ExecutionRepository(database.jdbc());
      for (Duration skew : List.of(Duration.ofSeconds(30), Duration.ofSeconds(-30))) {
        workers.add(
            SimulatedWorker.start(
                "skewed" + skew.toSeconds(),
                database.dataSource().getJdbcUrl(),
                ClickHouseTestServer.shared().httpUrl(),
                results,
                Duration.ofMillis(200),
                LEASE,
                Clock.offset(Clock.systemUTC(), skew)));
      }
      List<Long> ids = new ArrayList<>();
      // Queries that outlast their lease: only renewals keep them.
      for (int i = 0; i < 8; i++) {
        String queryId = UUID.randomUUID().toString();
        ids.add(
            executions
                .createOrCollapse(
                    NewExecution.builder(queryId, "SELECT sleep(3), " + i)
                        .format("TSV")
                        .createdBy("u")
                        .maxAttempts(1)
                        .build())
                .execution()
                .id());
      }

      long lapsedLeasesSeen = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline && succeeded(database, ids) < ids.size()) {
        // What the bookkeeper would take for a dead worker's execution, by the database's clock.
        lapsedLeasesSeen +=
            database
                .jdbc()
                .sql(
                    "select count(*) from executions"
                        + " where status = 'RUNNING' and lease_expires_at < now()")
                .query(Long.class)
                .single();
        Thread.sleep(50);
      }

      assertThat(succeeded(database, ids)).isEqualTo(ids.size());
      assertThat(lapsedLeasesSeen).isZero();
      // One attempt each, by both workers, and a result that expires exactly a TTL after it ended.
      assertThat(
              database
                  .jdbc()
                  .sql(
                      "select count(*) from executions where id = any(:ids) and attempt = 1"
                          + " and expires_at - completed_at = interval '1 hour'")
                  .param("ids", ids.toArray(Long[]::new))
                  .query(Long.class)
                  .single())
          .isEqualTo(ids.size());
      assertThat(
              database
                  .jdbc()
                  .sql("select count(distinct worker_id) from executions where id = any(:ids)")
                  .param("ids", ids.toArray(Long[]::new))
                  .query(Long.class)
                  .single())
          .isEqualTo(2);
    } finally {
      workers.forEach(SimulatedWorker::close);
    }
  }

  private static long succeeded(MigratedDatabase database, List<Long> ids) {
    return database
        .jdbc()
        .sql("select count(*) from executions where id = any(:ids) and status = 'SUCCEEDED'")
        .param("ids", ids.toArray(Long[]::new))
        .query(Long.class)
        .single();
  }
}
