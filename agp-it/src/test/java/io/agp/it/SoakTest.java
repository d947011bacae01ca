package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.it.SoakLoad.Kind;
import io.agp.it.SoakLoad.Timing;
import io.agp.testkit.AppProcess;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.FreezableProxy;
import io.agp.testkit.RestartablePostgresServer;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Hours of steady mixed load on the whole system as separate processes (API, two workers of two
 * tiers, bookkeeper; S3 store), with a fault every few minutes in turn: a worker killed, a worker
 * frozen past its lease, PostgreSQL, ClickHouse and S3 restarted, the network path to ClickHouse
 * frozen. Every sampling period it reads each process's heap after a full collection, threads, file
 * descriptors and database connections, and the latencies of creates, pickups and downloads.
 *
 * <p>At the end: every execution ended once, as its client expects, with the right bytes; no row is
 * left in flight, no query on ClickHouse, no object or unfinished upload in the bucket that no
 * SUCCEEDED row owns; each process's resources are flat and the latency windows stay within 1.5× of
 * the first.
 *
 * <p>{@code -Dagp.soak.duration=PT2H} sets the length (the build runs 4 minutes); {@code
 * bench/soak/run.sh} runs it at full length. Samples and figures go to stdout and {@code
 * target/soak-figures.txt}.
 */
@Tag("soak")
// It stops servers every test class of the JVM uses.
@Isolated
class SoakTest {

  private static final Duration DURATION =
      Duration.parse(System.getProperty("agp.soak.duration", "PT4M"));
  private static final double RATE = Double.parseDouble(System.getProperty("agp.soak.rate", "2"));
  private static final boolean SHORT = DURATION.compareTo(Duration.ofMinutes(15)) <= 0;
  private static final Duration SAMPLE_EVERY =
      SHORT ? Duration.ofSeconds(10) : Duration.ofMinutes(1);
  // The build's run fits each of the six faults once after the warm-up, each further apart than
  // SETTLE.
  private static final Duration FAULT_EVERY =
      SHORT ? Duration.ofSeconds(35) : Duration.ofMinutes(4);

  /** Latency is compared over windows this long, after the warm-up. */
  private static final Duration WINDOW = SHORT ? Duration.ofMinutes(1) : Duration.ofMinutes(10);

  /** The first part of the run (and of a restarted process's life) is not judged: JIT, pools. */
  private static final Duration WARM_UP = DURATION.dividedBy(5);

  /** How long after a fault its effects on requests may last: retries, backoffs, reconnections. */
  private static final Duration SETTLE = Duration.ofSeconds(30);

  /** How long after a fault a process's resources may still show it (pools refilling). */
  private static final Duration RESOURCES_SETTLE = Duration.ofSeconds(5);

  private static final Duration LEASE = Duration.ofSeconds(5);
  private static final Duration ORPHAN_MARGIN = Duration.ofSeconds(30);
  private static final String BUCKET = "soak";
  private static final String PREFIX = "r";
  private static final Path FIGURES = Path.of("target", "soak-figures.txt");
  private static final List<String> ROLES = List.of("api", "bookkeeper", "worker-a", "worker-b");

  enum Fault {
    WORKER_KILLED,
    WORKER_FROZEN,
    POSTGRES_RESTARTED,
    CLICKHOUSE_RESTARTED,
    S3_RESTARTED,
    CLICKHOUSE_PATH_FROZEN
  }

  /** A fault, from its injection until everything it touched was back. */
  record Span(Fault fault, String detail, Instant start, Instant end) {}

  /** One reading of one process. */
  record Sample(String role, long pid, Instant at, ProcessResources resources) {}

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final S3TestServer s3 = S3TestServer.shared();
  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final Collection<Sample> samples = new ConcurrentLinkedQueue<>();
  private volatile Instant faultStarted;
  private volatile String frozenWorker;
  private RestartablePostgresServer postgres;
  private FreezableProxy clickhousePath;
  private FaultStack stack;
  private ApiClient client;
  private JdbcClient jdbc;
  private SoakLoad load;

  @BeforeEach
  void start() throws Exception {
    postgres = RestartablePostgresServer.start();
    clickhousePath = new FreezableProxy(clickhouse.httpUrl());
    String viaProxy = clickhousePath.uri().toString();
    Map<String, Object> properties = new HashMap<>(FaultStack.s3Store(BUCKET, PREFIX));
    properties.put("agp.results.s3.part-size", "5MB");
    for (String tier : List.of("default", "vip")) {
      String at = "agp.tiers." + tier + ".";
      properties.put(at + "clickhouse.url", viaProxy);
      // A frozen path is noticed by the read timeout; the long queries send a row each 0.5 s.
      properties.put(at + "clickhouse.read-timeout", "8s");
      properties.put(at + "concurrency", "4");
      properties.put(at + "lease", LEASE.toSeconds() + "s");
      properties.put(at + "max-attempts", "20");
      properties.put(at + "result-ttl", SHORT ? "2m" : "10m");
    }
    // Tier vip keeps its small results in their rows; default stores every result (FaultStack).
    properties.put("agp.tiers.vip.inline-result-size", "16KB");
    properties.put("agp.worker.retry-backoff", "1s");
    properties.put("agp.bookkeeper.rescue.interval", "1s");
    properties.put("agp.bookkeeper.expiry.interval", SHORT ? "20s" : "1m");
    properties.put("agp.bookkeeper.orphans.interval", "20s");
    properties.put("agp.bookkeeper.orphans.safety-margin", ORPHAN_MARGIN.toSeconds() + "s");
    stack = FaultStack.start(postgres.jdbcUrl(), postgres.user(), postgres.password(), properties);
    stack.startWorker("worker-a", Map.of("agp.worker.tiers", "default"));
    stack.startWorker("worker-b", Map.of("agp.worker.tiers", "vip"));
    client = new ApiClient(stack::apiUrl);
    jdbc = JdbcClient.create(postgres.dataSource());
    load = new SoakLoad(client, this::faultAt);
  }

  @AfterEach
  void stop() throws Exception {
    // Other test classes need them, whatever happened here.
    clickhouse.start();
    s3.start();
    if (stack != null) {
      stack.close();
    }
    if (clickhousePath != null) {
      clickhousePath.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void everyExecutionEndsOnceNothingIsLeftBehindAndResourcesStayFlat() throws Exception {
    Files.deleteIfExists(FIGURES);
    Instant begin = Instant.now();
    Instant end = begin.plus(DURATION);
    report(
        String.format(
            Locale.ROOT,
            "soak %s at %.1f operations/s, a fault every %s, samples every %s; %d cores",
            DURATION,
            RATE,
            FAULT_EVERY,
            SAMPLE_EVERY,
            Runtime.getRuntime().availableProcessors()));
    Thread sampler = Thread.ofPlatform().name("soak-sampler").start(() -> sample(end));
    List<Thread> operations = new ArrayList<>();
    try (ExecutorService faults = Executors.newSingleThreadExecutor()) {
      faults.submit(() -> injectFaults(begin, end));
      long periodNanos = Math.round(1e9 / RATE);
      int op = 0;
      for (long next = System.nanoTime(); Instant.now().isBefore(end); next += periodNanos, op++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        int current = op;
        operations.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        load.operate(current);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
      faults.shutdown();
      assertThat(faults.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
    }
    for (Thread operation : operations) {
      operation.join(Duration.ofMinutes(5));
    }
    sampler.join(Duration.ofMinutes(2));
    Instant fed = Instant.now();

    // Nothing in flight, every execution ended as its client expects.
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> count("status in ('PENDING', 'RUNNING')") == 0);
    assertThat(load.problems).as(stack::logs).isEmpty();
    Map<String, Long> byStatus = checkRows();

    // No query left on ClickHouse.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> Faults.agpQueriesOnClickHouse().isEmpty());

    // No object or unfinished upload that no SUCCEEDED row owns, once the sweep had its margin.
    Instant cleanFrom = Instant.now();
    await()
        .atMost(ORPHAN_MARGIN.multipliedBy(2).plus(Duration.ofMinutes(2)))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(s3.pendingMultipartUploads(BUCKET)).isZero();
              assertThat(new HashSet<>(s3.keys(BUCKET))).isEqualTo(succeededKeys());
            });
    Duration cleaned = Duration.between(cleanFrom, Instant.now());

    List<String> trends = checkResources(begin);
    List<String> latencies = checkLatencies(begin, end);
    summarize(begin, fed, byStatus, cleaned, trends, latencies);
    assertThat(trends.stream().filter(line -> line.startsWith("NOT FLAT"))).isEmpty();
    assertThat(latencies.stream().filter(line -> line.startsWith("SLOWER"))).isEmpty();
  }

  // ---- faults

  private void injectFaults(Instant begin, Instant end) {
    int n = 0;
    for (Instant next = begin.plus(FAULT_EVERY);
        next.plus(FAULT_EVERY.dividedBy(2)).isBefore(end);
        next = next.plus(FAULT_EVERY), n++) {
      try {
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), next).toMillis()));
        Fault fault = Fault.values()[n % Fault.values().length];
        faultStarted = Instant.now();
        String detail = inject(fault, n / Fault.values().length);
        Span span = new Span(fault, detail, faultStarted, Instant.now());
        spans.add(span);
        faultStarted = null;
        report(
            String.format(
                Locale.ROOT,
                "fault %-24s %-28s at +%4d s, back after %5.1f s",
                fault,
                detail,
                Duration.between(begin, span.start()).toSeconds(),
                Duration.between(span.start(), span.end()).toMillis() / 1000.0));
      } catch (Exception e) {
        load.problems.add("fault injection failed: " + e);
        faultStarted = null;
        return;
      }
    }
  }

  private String inject(Fault fault, int round) throws Exception {
    String worker = round % 2 == 0 ? "worker-a" : "worker-b";
    switch (fault) {
      case WORKER_KILLED -> {
        stack.worker(worker).kill();
        stack.startWorker(worker);
        return worker + " kill -9, started again";
      }
      case WORKER_FROZEN -> {
        frozenWorker = worker;
        stack.worker(worker).pause();
        Thread.sleep(LEASE.multipliedBy(2).plusSeconds(2));
        stack.worker(worker).resume();
        frozenWorker = null;
        return worker + " SIGSTOP " + LEASE.multipliedBy(2).plusSeconds(2).toSeconds() + " s";
      }
      case POSTGRES_RESTARTED -> {
        postgres.stop();
        Thread.sleep(3000);
        postgres.restart();
        return "stopped 3 s";
      }
      case CLICKHOUSE_RESTARTED -> {
        clickhouse.stop();
        Thread.sleep(3000);
        clickhouse.start();
        return "killed, 3 s";
      }
      case S3_RESTARTED -> {
        s3.stop();
        Thread.sleep(3000);
        s3.start();
        return "stopped 3 s";
      }
      case CLICKHOUSE_PATH_FROZEN -> {
        clickhousePath.freeze();
        Thread.sleep(15_000);
        clickhousePath.thaw();
        return "no byte passes for 15 s";
      }
    }
    throw new IllegalArgumentException(fault.name());
  }

  /** Whether a fault was under way at {@code at}, or had ended less than {@link #SETTLE} before. */
  private boolean faultAt(Instant at) {
    return faultAt(at, SETTLE);
  }

  private boolean faultAt(Instant at, Duration settle) {
    Instant current = faultStarted;
    if (current != null && !at.isBefore(current)) {
      return true;
    }
    for (Span span : spans) {
      if (!at.isBefore(span.start()) && !at.isAfter(span.end().plus(settle))) {
        return true;
      }
    }
    return false;
  }

  // ---- sampling

  private void sample(Instant end) {
    Instant begin = Instant.now();
    for (Instant next = begin; !next.isAfter(end); next = next.plus(SAMPLE_EVERY)) {
      try {
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), next).toMillis()));
        List<String> line = new ArrayList<>();
        for (String role : ROLES) {
          AppProcess process = process(role);
          if (process == null || !process.isAlive() || role.equals(frozenWorker)) {
            line.add(String.format(Locale.ROOT, "%-10s -", role));
            continue;
          }
          try {
            ProcessResources resources = ProcessResources.of(process.pid(), postgres.port());
            samples.add(new Sample(role, process.pid(), Instant.now(), resources));
            line.add(
                String.format(
                    Locale.ROOT,
                    "%-10s heap %5.1f MB thr %3d fd %4d db %2d",
                    role,
                    resources.heapAfterGcBytes() / 1e6,
                    resources.threads(),
                    resources.fileDescriptors(),
                    resources.dbConnections()));
          } catch (IOException | UncheckedIOException e) {
            // The process went away (a fault) between the check and the reading.
            line.add(String.format(Locale.ROOT, "%-10s ?", role));
          }
        }
        Instant from = next.minus(SAMPLE_EVERY);
        report(
            String.format(
                Locale.ROOT,
                "+%5d s | %s | create %s | pickup %s | download %s",
                Duration.between(begin, next).toSeconds(),
                String.join(" | ", line),
                percentiles(between(load.creates, from, next)),
                pickups(from),
                percentiles(between(load.downloads, from, next))));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The pickups of first attempts claimed since {@code from}, by the database's clock. */
  private String pickups(Instant from) {
    try {
      return percentiles(pickupsSince(from));
    } catch (DataAccessException e) {
      // PostgreSQL is being restarted.
      return "?";
    }
  }

  private List<Timing> pickupsSince(Instant from) {
    return jdbc.sql(
            "select created_at, extract(epoch from picked_at - created_at) * 1000 as millis"
                + " from executions where attempt = 1 and picked_at >= :from")
        .param("from", Timestamp.from(from))
        .query((rs, n) -> new Timing(rs.getTimestamp(1).toInstant(), rs.getDouble(2)))
        .list();
  }

  private AppProcess process(String role) {
    return switch (role) {
      case "api" -> stack.api();
      case "bookkeeper" -> stack.bookkeeper();
      default -> stack.worker(role);
    };
  }

  // ---- checks

  private record Row(
      long id,
      String sql,
      String status,
      String error,
      String resultKey,
      Long resultBytes,
      Instant createdAt,
      Instant completedAt) {}

  /** Every row ended as its client expects (or FAILED in a fault); returns the counts by status. */
  private Map<String, Long> checkRows() {
    List<Row> rows =
        jdbc.sql(
                "select id, sql, status, error, result_key, result_bytes, created_at,"
                    + " completed_at from executions order by id")
            .query(Row.class)
            .list();
    Map<String, Long> byStatus = new TreeMap<>();
    Set<Integer> opsWithRows = new HashSet<>();
    List<String> wrong = new ArrayList<>();
    for (Row row : rows) {
      byStatus.merge(row.status(), 1L, Long::sum);
      int op = SoakLoad.opOf(row.sql());
      opsWithRows.add(op);
      Kind kind = load.ops.get(op);
      SoakLoad.Outcome outcome = load.outcomes.get(row.id());
      boolean faulted =
          row.completedAt() != null && faultBetween(row.createdAt(), row.completedAt());
      String wanted =
          outcome != null && outcome.kind() == Kind.CANCELED
              ? outcome.status()
              : kind.expectedStatus();
      if (row.completedAt() == null) {
        wrong.add("never completed: " + row);
      } else if (row.status().equals("FAILED") && row.error() == null) {
        wrong.add("failed without a reason: " + row);
      } else if (!row.status().equals(wanted)
          && !(row.status().equals("EXPIRED") && wanted.equals("SUCCEEDED"))
          && !(row.status().equals("FAILED") && faulted)
          && !(kind == Kind.CANCELED && outcome == null)) {
        wrong.add(kind + " is " + row.status() + ", expected " + wanted + ": " + row);
      } else if (row.status().equals("SUCCEEDED") && !load.verified.containsKey(row.id())) {
        // Its creator never heard of it (the answer was lost in a fault): check it now.
        try {
          load.download(row.id(), op, kind);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      if (row.status().equals("SUCCEEDED")
          && load.verified.getOrDefault(row.id(), -1) > 0
          && load.verified.get(row.id()).longValue() != row.resultBytes()) {
        wrong.add("downloaded " + load.verified.get(row.id()) + " bytes of " + row);
      }
    }
    assertThat(wrong).as("rows not as their clients expect").isEmpty();
    assertThat(load.problems).isEmpty();
    assertThat(opsWithRows).as("every operation has its execution").isEqualTo(load.ops.keySet());
    return byStatus;
  }

  private boolean faultBetween(Instant from, Instant to) {
    for (Span span : spans) {
      if (!span.start().isAfter(to.plus(SETTLE)) && !span.end().plus(SETTLE).isBefore(from)) {
        return true;
      }
    }
    return false;
  }

  private Set<String> succeededKeys() {
    return jdbc
        .sql(
            "select result_key from executions where status = 'SUCCEEDED'"
                + " and result_inline is null")
        .query(String.class)
        .list()
        .stream()
        .map(key -> PREFIX + "/" + key)
        .collect(Collectors.toSet());
  }

  private long count(String condition) {
    return jdbc.sql("select count(*) from executions where " + condition)
        .query(Long.class)
        .single();
  }

  /**
   * The fitted growth (least squares) of each resource of each process over its judged samples
   * (those after the warm-up of the run and of the process), against its bound.
   */
  private List<String> checkResources(Instant begin) {
    List<String> lines = new ArrayList<>();
    Map<String, List<Sample>> byProcess = new LinkedHashMap<>();
    for (Sample sample : samples.stream().sorted(Comparator.comparing(Sample::at)).toList()) {
      byProcess
          .computeIfAbsent(sample.role() + " pid " + sample.pid(), k -> new ArrayList<>())
          .add(sample);
    }
    byProcess.forEach(
        (process, all) -> {
          Instant judgedFrom = all.getFirst().at().plus(WARM_UP);
          if (judgedFrom.isBefore(begin.plus(WARM_UP))) {
            judgedFrom = begin.plus(WARM_UP);
          }
          Instant from = judgedFrom;
          // Samples taken in a fault (or just after) show the fault, not a drift.
          List<Sample> judged =
              all.stream()
                  .filter(s -> !s.at().isBefore(from) && !faultAt(s.at(), RESOURCES_SETTLE))
                  .toList();
          if (judged.size() < 5) {
            lines.add(
                String.format(
                    Locale.ROOT,
                    "%-22s %d samples after its warm-up: not judged",
                    process,
                    judged.size()));
            return;
          }
          lines.add(
              trend(
                  process,
                  "heap after GC MB",
                  judged,
                  s -> s.resources().heapAfterGcBytes() / 1e6,
                  0.10,
                  8));
          lines.add(trend(process, "threads", judged, s -> s.resources().threads(), 0.10, 4));
          lines.add(
              trend(
                  process,
                  "file descriptors",
                  judged,
                  s -> s.resources().fileDescriptors(),
                  0.10,
                  8));
          lines.add(
              trend(process, "db connections", judged, s -> s.resources().dbConnections(), 0, 2));
        });
    return lines;
  }

  /**
   * "flat" or "NOT FLAT": the fitted growth over the samples' span, bounded by a share of the mean
   * plus a floor.
   */
  private static String trend(
      String process,
      String what,
      List<Sample> series,
      ToDoubleFunction<Sample> value,
      double share,
      double floor) {
    double t0 = series.getFirst().at().toEpochMilli();
    double n = series.size();
    double sumT = 0, sumV = 0, sumTt = 0, sumTv = 0;
    for (Sample sample : series) {
      double t = (sample.at().toEpochMilli() - t0) / 1000.0;
      double v = value.applyAsDouble(sample);
      sumT += t;
      sumV += v;
      sumTt += t * t;
      sumTv += t * v;
    }
    double slope = (n * sumTv - sumT * sumV) / Math.max(1e-9, n * sumTt - sumT * sumT);
    double span = (series.getLast().at().toEpochMilli() - t0) / 1000.0;
    double growth = slope * span;
    double mean = sumV / n;
    double bound = share * mean + floor;
    double min = series.stream().mapToDouble(value).min().orElseThrow();
    double max = series.stream().mapToDouble(value).max().orElseThrow();
    return String.format(
        Locale.ROOT,
        "%-8s %-22s %-18s mean %7.1f  min %7.1f  max %7.1f  fitted growth %+7.1f over %4.0f min (bound ±%.1f)",
        Math.abs(growth) <= bound ? "flat" : "NOT FLAT",
        process,
        what,
        mean,
        min,
        max,
        growth,
        span / 60,
        bound);
  }

  /**
   * Latencies outside faults (and their settling), in windows after the warm-up: each window's p50
   * and p99 within 1.5× of the first window's (or 3 ms of it, under timer and scheduling noise); a
   * p99 is judged only where both windows hold at least 100 samples.
   */
  private List<String> checkLatencies(Instant begin, Instant end) {
    List<Timing> pickups = pickupsSince(begin.minus(Duration.ofMinutes(1)));
    Map<String, Collection<Timing>> metrics = new LinkedHashMap<>();
    metrics.put("create", load.creates);
    metrics.put("pickup", pickups);
    metrics.put("download", load.downloads);
    List<String> lines = new ArrayList<>();
    Instant judgedFrom = begin.plus(WARM_UP);
    metrics.forEach(
        (metric, timings) -> {
          double[] reference = null;
          int referenceSize = 0;
          for (Instant from = judgedFrom; from.isBefore(end); from = from.plus(WINDOW)) {
            Instant to = from.plus(WINDOW);
            List<Timing> quiet =
                between(timings, from, to).stream().filter(t -> !faultAt(t.at())).toList();
            double[] figures = p50p99(quiet);
            String label =
                String.format(
                    Locale.ROOT,
                    "%-8s +%5d s  %5d quiet  p50 %7.1f ms  p99 %7.1f ms",
                    metric,
                    Duration.between(begin, from).toSeconds(),
                    quiet.size(),
                    figures[0],
                    figures[1]);
            if (quiet.size() < 15) {
              lines.add("few     " + label);
            } else if (reference == null) {
              reference = figures;
              referenceSize = quiet.size();
              lines.add("first   " + label);
            } else {
              // Below 100 samples the p99 is the largest one or two: it is shown, not judged.
              boolean judgeP99 = quiet.size() >= 100 && referenceSize >= 100;
              boolean within =
                  figures[0] <= Math.max(1.5 * reference[0], reference[0] + 3)
                      && (!judgeP99
                          || figures[1] <= Math.max(1.5 * reference[1], reference[1] + 3));
              lines.add(
                  (within ? "within  " : "SLOWER  ") + label + (judgeP99 ? "" : " (p50 judged)"));
            }
          }
        });
    return lines;
  }

  private static List<Timing> between(Collection<Timing> timings, Instant from, Instant to) {
    return timings.stream().filter(t -> !t.at().isBefore(from) && t.at().isBefore(to)).toList();
  }

  private static double[] p50p99(List<Timing> timings) {
    if (timings.isEmpty()) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double[] sorted = timings.stream().mapToDouble(Timing::millis).sorted().toArray();
    return new double[] {
      sorted[(int) Math.ceil(0.50 * sorted.length) - 1],
      sorted[(int) Math.ceil(0.99 * sorted.length) - 1]
    };
  }

  private static String percentiles(List<Timing> timings) {
    double[] figures = p50p99(timings);
    return String.format(
        Locale.ROOT, "%3d p50 %6.1f p99 %6.1f ms", timings.size(), figures[0], figures[1]);
  }

  // ---- report

  private void summarize(
      Instant begin,
      Instant fed,
      Map<String, Long> byStatus,
      Duration cleaned,
      List<String> trends,
      List<String> latencies) {
    long executions = byStatus.values().stream().mapToLong(Long::longValue).sum();
    Map<Fault, Long> faults =
        spans.stream()
            .collect(Collectors.groupingBy(Span::fault, TreeMap::new, Collectors.counting()));
    report(
        String.format(
            Locale.ROOT,
            "operations %d in %.1f min; executions %d by status %s; collapsed %d; cancels %d"
                + " (too late %d); results checked %d (%.1f MB, %.1f MB read slowly);"
                + " requests retried in faults %d",
            load.ops.size(),
            Duration.between(begin, fed).toSeconds() / 60.0,
            executions,
            byStatus,
            load.collapsed.get(),
            load.cancelsAccepted.get(),
            load.cancelsTooLate.get(),
            load.verified.size(),
            load.verified.values().stream().mapToLong(Integer::longValue).sum() / 1e6,
            load.slowBytes.get() / 1e6,
            load.retriedRequests.size()));
    report("faults " + faults);
    report(
        String.format(
            Locale.ROOT,
            "leftovers: none in flight, no ClickHouse query, bucket = SUCCEEDED rows' objects and"
                + " no unfinished upload %.1f s after the end",
            cleaned.toMillis() / 1000.0));
    trends.forEach(this::report);
    latencies.forEach(this::report);
  }

  private synchronized void report(String line) {
    System.out.println("soak: " + line);
    try {
      Files.createDirectories(FIGURES.getParent());
      Files.writeString(FIGURES, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
