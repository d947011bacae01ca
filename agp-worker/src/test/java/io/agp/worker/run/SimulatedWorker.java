package io.agp.worker.run;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NotificationListener;
import io.agp.results.ResultStore;
import io.agp.results.ResultStores;
import io.agp.testkit.PostgresTestServer;
import io.agp.tier.Tiers;
import io.agp.tier.TiersProperties;
import io.agp.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One worker process as a fleet would run it, several in one JVM: its own connection pool, its own
 * listener and its own pool of 4 slots for tier {@code default}, built from the worker's classes.
 */
final class SimulatedWorker implements AutoCloseable {

  /** Connections of each simulated worker's pool (the listener has one more of its own). */
  private static final int CONNECTIONS = 2;

  static final int SLOTS = 4;

  private final HikariDataSource dataSource;
  private final WorkerPools pools;
  private final ExecutionNotifications notifications;
  private final ResultStore results;
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private boolean closed;

  private SimulatedWorker(
      String id,
      String url,
      URI clickhouse,
      Path resultFolder,
      Duration pollInterval,
      Duration lease,
      Clock clock) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(PostgresTestServer.shared().user());
    config.setMaximumPoolSize(CONNECTIONS);
    config.setPoolName(id);
    dataSource = new HikariDataSource(config);
    JdbcClient jdbc = JdbcClient.create(dataSource);
    ExecutionRepository executions = new ExecutionRepository(jdbc);
    results = ResultStores.open(resultFolder.toUri(), null);
    // Bound from properties as the worker binds its configuration: defaults for the rest.
    Tiers tiers =
        new Tiers(
            new Binder(
                    new MapConfigurationPropertySource(
                        Map.of(
                            "agp.tiers.default.clickhouse.url",
                            clickhouse.toString(),
                            "agp.tiers.default.concurrency",
                            Integer.toString(SLOTS),
                            "agp.tiers.default.lease",
                            lease.toMillis() + "ms",
                            "agp.tiers.default.max-run-time",
                            "1m",
                            "agp.tiers.default.result-ttl",
                            "1h")))
                .bind("agp", TiersProperties.class)
                .get());
    pools =
        new WorkerPools(
            new WorkerProperties(
                id, List.of("default"), pollInterval, Duration.ofSeconds(2), Duration.ofSeconds(1)),
            tiers,
            new WorkerPools.Services(executions, results, clock, meters));
    notifications =
        new ExecutionNotifications(
            new NotificationListener.Target(url, PostgresTestServer.shared().user(), ""),
            pools,
            jdbc);
  }

  static SimulatedWorker start(
      String id, String url, URI clickhouse, Path results, Duration pollInterval) {
    return start(
        id, url, clickhouse, results, pollInterval, Duration.ofSeconds(30), Clock.systemUTC());
  }

  /** A worker with its own lease and clock (a clock that is off, say). */
  static SimulatedWorker start(
      String id,
      String url,
      URI clickhouse,
      Path results,
      Duration pollInterval,
      Duration lease,
      Clock clock) {
    SimulatedWorker worker =
        new SimulatedWorker(id, url, clickhouse, results, pollInterval, lease, clock);
    worker.notifications.start();
    worker.pools.start();
    return worker;
  }

  /** Claim statements of this worker so far that found something ("claimed") or nothing. */
  double claims(String result) {
    var counter = meters.find("agp.worker.claims").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  /** The listener sessions of tier default as this worker last read the fleet. */
  int[] fleetView() {
    return notifications.fleetView("default");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    pools.stop();
    notifications.stop();
    results.close();
    dataSource.close();
  }
}
