package io.agp.worker.run;

import io.agp.execution.Channels;
import io.agp.jdbc.SqlFile;
import io.agp.schedule.JobRunner;
import io.agp.schedule.PeriodicJob;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * This worker's place among the workers of its tiers, so that the executions a PENDING notification
 * announces are dealt out, one worker each, instead of waking every worker to claim. Each worker
 * registers its listener session in {@code worker_listeners}; the live sessions of a tier, ordered
 * by pid, are the tier's workers, read again when one joins or leaves ({@link Channels#WORKERS})
 * and every {@link #REFRESH} (for one that died). A worker that does not know its place (not
 * registered yet, the fleet not read, a notification without a count) looks with every free slot,
 * as all workers did before; the claim loops' poll covers whatever a stale view deals to a worker
 * that is gone.
 */
final class WorkerFleet implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkerFleet.class);
  private static final String REGISTER = SqlFile.load("fleet/register");
  private static final String LEAVE = SqlFile.load("fleet/leave");
  private static final String LIST = SqlFile.load("fleet/list");

  /** How often the fleet is read again without being told: a worker that died is gone by then. */
  static final Duration REFRESH = Duration.ofSeconds(10);

  /** A burst of joins (a fleet starting) is read once, this long after the first. */
  private static final Duration COALESCE = Duration.ofMillis(50);

  /** The share of a worker that does not know its place: as many as it has free slots. */
  static final int EVERY_FREE_SLOT = -1;

  private final JdbcClient jdbc;
  private final String workerId;
  private final String[] tiers;
  private final MeterRegistry meters;
  private volatile JobRunner reads;
  private final AtomicBoolean readQueued = new AtomicBoolean();
  private volatile int pid;
  private volatile Map<String, int[]> listeners = Map.of();
  private volatile boolean leaving;

  WorkerFleet(JdbcClient jdbc, String workerId, List<String> tiers, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.meters = meters;
    this.workerId = workerId;
    this.tiers = tiers.toArray(String[]::new);
  }

  void start() {
    reads = JobRunner.start(PeriodicJob.of("fleet", REFRESH, this::read), meters);
  }

  /**
   * Registers the listener session {@code connection} (just connected, listening) for this worker's
   * tiers. A failure leaves the worker without a place: it then looks at every notification, as
   * before there were places.
   */
  void register(Connection connection) {
    if (leaving) {
      return;
    }
    try {
      pid =
          JdbcClient.create(new SingleConnectionDataSource(connection, true))
              .sql(REGISTER)
              .param("workerId", workerId)
              .param("tiers", tiers)
              .query((rs, row) -> rs.getInt("pid"))
              .single();
    } catch (RuntimeException e) {
      pid = 0;
      log.warn("could not register this worker's listener; it looks at every notification", e);
    }
    readSoon();
  }

  /** Leaves the fleet: no more executions are dealt to this worker. Before it stops claiming. */
  void leave() {
    leaving = true;
    int registered = pid;
    pid = 0;
    if (registered == 0) {
      return;
    }
    try {
      jdbc.sql(LEAVE).param("pid", registered).param("workerId", workerId).query().listOfRows();
    } catch (RuntimeException e) {
      log.warn("could not take this worker out of the fleet: {}", e.toString());
    }
  }

  /** Reads the fleet again soon: a worker joined or left. Nothing once closed. */
  void readSoon() {
    JobRunner runner = reads;
    if (runner == null || runner.closed() || !readQueued.compareAndSet(false, true)) {
      return;
    }
    runner.runSoon(COALESCE);
  }

  /**
   * How many of the executions a PENDING notification announces are this worker's to claim, or
   * {@link #EVERY_FREE_SLOT}.
   */
  int share(Channels.PendingWake wake) {
    int me = pid;
    int[] pids = listeners.get(wake.tier());
    if (wake.everyone() || me == 0 || pids == null) {
      return EVERY_FREE_SLOT;
    }
    int place = Arrays.binarySearch(pids, me);
    return place < 0 ? EVERY_FREE_SLOT : wake.shareOf(place, pids.length);
  }

  /** The listener sessions of a tier as this worker last read them, by pid. */
  int[] listeners(String tier) {
    return listeners.getOrDefault(tier, new int[0]).clone();
  }

  private void read() {
    readQueued.set(false);
    try {
      Map<String, int[]> read = new HashMap<>();
      jdbc.sql(LIST)
          .param("tiers", tiers)
          .query(
              (rs, row) -> {
                read.put(rs.getString("tier"), pids(rs.getArray("pids")));
                return null;
              })
          .list();
      listeners = Map.copyOf(read);
    } catch (RuntimeException e) {
      // The view read last goes on serving: at worst some wake-ups go to a worker that is gone.
      log.warn("could not read the workers of tiers {}: {}", Arrays.toString(tiers), e.toString());
    }
  }

  private static int[] pids(Array array) throws SQLException {
    Integer[] values = (Integer[]) array.getArray();
    return Arrays.stream(values).mapToInt(Integer::intValue).toArray();
  }

  @Override
  public void close() {
    JobRunner runner = reads;
    if (runner != null) {
      runner.close();
    }
  }
}
