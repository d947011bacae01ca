package io.agp.worker.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.testkit.MigratedDatabase;
import io.agp.testkit.PostgresTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What an execution costs PostgreSQL as the fleet grows: N simulated workers, each with its own
 * connection pool, listener and tier pool (the worker's own classes, as N processes would run them,
 * several in this JVM), against a ClickHouse stand-in that answers every query at once, so that
 * PostgreSQL and the claim protocol are what is measured. Creates come at a fixed rate for a
 * window; then every execution must end. Run with {@code bench/scale/run.sh}; figures go to stdout
 * and {@code target/bench-scale.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleBenchmark {

  private static final int[] WORKERS = ints(System.getProperty("agp.bench.workers", "1,10,50,100"));
  private static final int[] RATES = ints(System.getProperty("agp.bench.rates", "200,1000,3000"));
  private static final Duration WINDOW =
      Duration.ofSeconds(Integer.getInteger("agp.bench.seconds", 10));

  /** The workers' poll interval, as deployed. */
  private static final Duration POLL = Duration.ofSeconds(1);

  private static final int FEEDERS = 8;

  /** Marks the benchmark's own statements, which the statement count leaves out. */
  private static final String BENCH = "/* bench */";

  static {
    // The JDK's HTTP server closes idle connections beyond 200 by default: a fleet of workers
    // keeps more than that to the stand-in, and would meet closed ones.
    System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
  }

  private final List<String> report = new ArrayList<>();
  private final List<String> breakdown = new ArrayList<>();
  private final ClickHouseStandIn clickhouse = ClickHouseStandIn.start();

  @AfterAll
  void stop() throws IOException {
    clickhouse.close();
    report.forEach(System.out::println);
    breakdown.forEach(System.out::println);
    List<String> all = new ArrayList<>(report);
    all.addAll(breakdown);
    Files.write(Path.of("target", "bench-scale.txt"), all);
  }

  @Test
  void costPerExecutionAsTheFleetGrows() throws Exception {
    report.add(
        "workers  creates/s  executions  statements/exec  xacts/exec  empty claims  claims/exec"
            + "  pickup p50 / p99 ms  completed/s  PG CPU s  PG CPU ms/exec");
    for (int workers : WORKERS) {
      for (int rate : RATES) {
        report.add(run(workers, rate));
        System.out.println(report.getLast());
      }
    }
  }

  private String run(int workers, int rate) throws Exception {
    Path results = Files.createTempDirectory("bench-scale-results");
    try (MigratedDatabase database = MigratedDatabase.create()) {
      String url = database.dataSource().getJdbcUrl();
      JdbcClient jdbc = database.jdbc();
      boolean statements = statementsCounted(jdbc);
      List<SimulatedWorker> fleet = new ArrayList<>();
      try {
        for (int i = 0; i < workers; i++) {
          fleet.add(SimulatedWorker.start("sim-" + i, url, clickhouse.url(), results, POLL));
        }
        // Steady state: every worker knows the fleet it is dealt wake-ups in.
        long settled = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (fleet.stream().anyMatch(w -> w.fleetView().length != workers)
            && System.nanoTime() < settled) {
          Thread.sleep(100);
        }
        Thread.sleep(1_000);
        if (statements) {
          jdbc.sql("create extension if not exists pg_stat_statements").update();
          jdbc.sql("select pg_stat_statements_reset()").query().listOfRows();
        }
        long xacts = transactions(jdbc);
        double cpu = PostgresCpu.seconds();
        int created = feed(new ExecutionRepository(jdbc), rate);
        awaitAllEnded(jdbc, created);
        double cpuSpent = PostgresCpu.seconds() - cpu;
        long xactsSpent = transactions(jdbc) - xacts;
        long calls = statements ? statementCalls(jdbc) : -1;
        double empty = fleet.stream().mapToDouble(w -> w.claims("empty")).sum();
        double fruitful = fleet.stream().mapToDouble(w -> w.claims("claimed")).sum();
        Map<String, Object> figures =
            jdbc.sql(
                    """
                    /* bench */ select count(*) filter (where status = 'SUCCEEDED') as succeeded,
                      percentile_cont(0.5) within group (
                        order by extract(epoch from picked_at - created_at) * 1000) as p50,
                      percentile_cont(0.99) within group (
                        order by extract(epoch from picked_at - created_at) * 1000) as p99,
                      extract(epoch from max(completed_at) - min(created_at)) as seconds
                    from executions
                    """)
                .query()
                .singleRow();
        if (statements) {
          breakdown.add("%d workers, %d creates/s:".formatted(workers, rate));
          statementBreakdown(jdbc, created).forEach(line -> breakdown.add("  " + line));
          breakdown.add("  pickup ms by bucket: " + pickupHistogram(jdbc));
        }
        long succeeded = ((Number) figures.get("succeeded")).longValue();
        double seconds = ((Number) figures.get("seconds")).doubleValue();
        return "%7d  %9d  %10d  %15s  %10.2f  %12.0f  %11.2f  %8.1f / %8.1f  %11.0f  %8.1f  %14.3f"
            .formatted(
                workers,
                rate,
                succeeded,
                calls < 0 ? "n/a" : "%.2f".formatted((double) calls / created),
                (double) xactsSpent / created,
                empty,
                (empty + fruitful) / created,
                ((Number) figures.get("p50")).doubleValue(),
                ((Number) figures.get("p99")).doubleValue(),
                succeeded / seconds,
                cpuSpent,
                cpuSpent * 1000 / created);
      } finally {
        for (SimulatedWorker worker : fleet) {
          worker.close();
        }
      }
    } finally {
      try (var files = Files.walk(results)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Creates executions at the rate for the window, from several threads as API replicas would. */
  private static int feed(ExecutionRepository executions, int rate) throws InterruptedException {
    AtomicInteger created = new AtomicInteger();
    long start = System.nanoTime();
    long total = rate * WINDOW.toSeconds();
    long intervalNanos = 1_000_000_000L * FEEDERS / rate;
    List<Thread> feeders = new ArrayList<>();
    for (int f = 0; f < FEEDERS; f++) {
      int offset = f;
      feeders.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (long i = offset; i < total; i += FEEDERS) {
                      long due =
                          start + (i / FEEDERS) * intervalNanos + offset * intervalNanos / FEEDERS;
                      long wait = due - System.nanoTime();
                      if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                      }
                      String id = UUID.randomUUID().toString();
                      executions.createOrCollapse(
                          NewExecution.builder(id, "SELECT 1")
                              .format("TSV")
                              .createdBy("user-" + (i % 50))
                              .build());
                      created.incrementAndGet();
                    }
                  }));
    }
    for (Thread feeder : feeders) {
      feeder.join();
    }
    return created.get();
  }

  private static void awaitAllEnded(JdbcClient jdbc, int created) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
    while (System.nanoTime() < deadline) {
      long open =
          jdbc.sql(
                  BENCH + " select count(*) from executions where status in ('PENDING', 'RUNNING')")
              .query(Long.class)
              .single();
      if (open == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("executions still open five minutes after the feed ended");
  }

  private static boolean statementsCounted(JdbcClient jdbc) {
    return jdbc.sql(
            BENCH
                + " select current_setting('shared_preload_libraries') like"
                + " '%pg_stat_statements%'")
        .query(Boolean.class)
        .single();
  }

  /** The statements of this database that count: all but the benchmark's own reads. */
  private static final String COUNTED_STATEMENTS =
      """
      from pg_stat_statements s
      join pg_database d on d.oid = s.dbid
      where d.datname = current_database() and s.query not like '%/* bench */%'
      """;

  /** Statements run in this database since the reset, less the benchmark's own reads. */
  private static long statementCalls(JdbcClient jdbc) {
    return jdbc.sql("/* bench */ select coalesce(sum(s.calls), 0) " + COUNTED_STATEMENTS)
        .query(Long.class)
        .single();
  }

  /** The statements that ran most, per execution, each named by its first words past comments. */
  private static List<String> statementBreakdown(JdbcClient jdbc, int created) {
    return jdbc.sql(
            """
            /* bench */ select s.calls,
              left(regexp_replace(regexp_replace(s.query, '--[^\\n]*', '', 'g'), '\\s+', ' ', 'g'),
                   70) as text
            """
                + COUNTED_STATEMENTS
                + " order by s.calls desc limit 8")
        .query(
            (rs, row) ->
                "%8.3f  %s".formatted((double) rs.getLong("calls") / created, rs.getString("text")))
        .list();
  }

  /** How many executions waited how long for their claim: under 5 ms, 20, 100, 500, 1,000, more. */
  private static String pickupHistogram(JdbcClient jdbc) {
    return jdbc.sql(
            """
            /* bench */ select string_agg(b.label || ' ' || coalesce(c.n, 0), ', ' order by b.upper)
            from (values (5, '<5'), (20, '<20'), (100, '<100'), (500, '<500'), (1000, '<1000'),
                         (2147483647, 'more')) as b (upper, label)
            left join (select width_bucket(extract(epoch from picked_at - created_at) * 1000,
                                           array[5, 20, 100, 500, 1000]) as bucket, count(*) as n
                       from executions
                       group by 1) c
              on c.bucket = case b.upper when 5 then 0 when 20 then 1 when 100 then 2
                                         when 500 then 3 when 1000 then 4 else 5 end
            """)
        .query(String.class)
        .single();
  }

  private static long transactions(JdbcClient jdbc) {
    return jdbc.sql(
            BENCH
                + " select xact_commit + xact_rollback from pg_stat_database"
                + " where datname = current_database()")
        .query(Long.class)
        .single();
  }

  private static int[] ints(String list) {
    return Arrays.stream(list.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
  }

  /** A ClickHouse that answers every query at once: "1" to queries, and what the worker asks. */
  private static final class ClickHouseStandIn implements AutoCloseable {

    private final HttpServer server;

    private ClickHouseStandIn(HttpServer server) {
      this.server = server;
    }

    static ClickHouseStandIn start() {
      try {
        HttpServer server =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.createContext("/", ClickHouseStandIn::answer);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return new ClickHouseStandIn(server);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private static void answer(HttpExchange exchange) throws IOException {
      String sql = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String body;
      if (sql.contains("version()")) {
        body = "24.8.1.1\n";
      } else if (sql.contains("system.settings")) {
        body = "max_execution_time\nreadonly\n";
      } else if (sql.contains("system.processes") || sql.startsWith("KILL")) {
        body = "";
      } else if (sql.startsWith("DESCRIBE")) {
        body = "1\tUInt8\n";
      } else {
        body = "1\n";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/tab-separated-values");
      exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** The CPU time of the test PostgreSQL's processes, ended backends included. */
  private static final class PostgresCpu {

    private static final double TICKS = 100.0;

    static double seconds() throws IOException {
      int port = PostgresTestServer.shared().port();
      double total = 0;
      for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
        String command = process.info().commandLine().orElse("");
        if (!command.contains("postgres")) {
          continue;
        }
        boolean postmaster = command.contains("-p " + port) || command.contains("-p" + port);
        boolean child =
            process
                .parent()
                .map(p -> p.info().commandLine().orElse(""))
                .orElse("")
                .contains("-p " + port);
        if (!postmaster && !child) {
          continue;
        }
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        if (!Files.exists(stat)) {
          continue;
        }
        String text = Files.readString(stat);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        // utime, stime, and for the postmaster its ended children's cutime, cstime.
        total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        if (postmaster) {
          total += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        }
      }
      return total / TICKS;
    }
  }
}
