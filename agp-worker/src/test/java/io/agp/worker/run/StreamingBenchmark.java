package io.agp.worker.run;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.results.RowIndex;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Streaming a large CSV result into the result store, the local one and S3 (the test kit's server),
 * against a plain {@code curl} of the same query into a file, and the worker's heap while it
 * streams 1 M and 10 M rows. Run with {@code bench/worker/streaming.sh}; {@code
 * -Dagp.bench.stores=local} or {@code s3} measures one store only. Figures go to stdout and {@code
 * target/bench-streaming.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingBenchmark {

  /** About 100 bytes a row in CSV. */
  private static final String SQL =
      "SELECT number, toString(number * 7919) AS a, toString(number %% 1000) AS b,"
          + " 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' AS c"
          + " FROM system.numbers LIMIT %d";

  private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s");
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** The worker's wall time over curl's for 10 M rows, median of the rounds, at most. */
  private static final double TARGET_RATIO = 1.0;

  private static final String BUCKET = "agp-bench";

  private Path results;
  private Store store;
  private WorkerStack stack;
  private final List<String> report = new ArrayList<>();

  private enum Store {
    LOCAL,
    S3
  }

  @BeforeAll
  void start() throws Exception {
    results = Files.createTempDirectory(Path.of("target"), "bench-results");
  }

  @AfterAll
  void stop() throws Exception {
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-streaming.txt"), report);
  }

  @Test
  void tenMillionRowsAgainstCurlAndTheHeapFromOneToTenMillion() throws Exception {
    for (String name : System.getProperty("agp.bench.stores", "local,s3").split(",")) {
      store = Store.valueOf(name.strip().toUpperCase(Locale.ROOT));
      try (WorkerStack started = WorkerStack.start(properties(store))) {
        stack = started;
        measure();
      }
    }
  }

  private Map<String, Object> properties(Store store) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("logging.level.io.agp", "WARN");
    if (store == Store.LOCAL) {
      properties.put("agp.results.location", results.toAbsolutePath().toUri().toString());
      return properties;
    }
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket(BUCKET);
    properties.put("agp.results.location", "s3://" + BUCKET);
    properties.put("agp.results.s3.endpoint", s3.endpoint().toString());
    properties.put("agp.results.s3.region", s3.region());
    properties.put("agp.results.s3.access-key", s3.accessKey());
    properties.put("agp.results.s3.secret-key", s3.secretKey());
    properties.put("agp.results.s3.path-style", "true");
    properties.put("agp.results.s3.checksums-when-required", "true");
    return properties;
  }

  private void measure() throws Exception {
    String where =
        store == Store.LOCAL
            ? "the local store"
            : System.getProperty(S3TestServer.EXTERNAL_ENDPOINT, "").isBlank()
                ? "S3 (the test kit's in-process server, in memory; the heap counts its objects)"
                : "S3 (a server in another process, "
                    + System.getProperty(S3TestServer.EXTERNAL_ENDPOINT)
                    + ")";
    report.add("Into " + where + ":");
    run(100_000); // warm-up
    int rounds = Integer.getInteger("agp.bench.rounds", 7);
    for (int rows : new int[] {1_000_000, 10_000_000}) {
      // One unmeasured round of each size: on a VM the first gigabyte written after a while costs
      // both sides far more (curl's CPU time doubled) as the guest's memory gets backed again.
      curl(rows);
      run(rows);
      List<Double> ratios = new ArrayList<>();
      List<Double> cpuRatios = new ArrayList<>();
      List<Double> uploadRatios = new ArrayList<>();
      long peak = 0;
      // Side by side, alternating, so that a busy machine weighs on both alike.
      for (int round = 1; round <= rounds; round++) {
        Curl curl = curl(rows);
        Run worker = run(rows);
        ratios.add(worker.seconds() / curl.seconds());
        cpuRatios.add(worker.cpuSeconds() / curl.cpuSeconds());
        if (curl.uploadSeconds() > 0) {
          uploadRatios.add(worker.seconds() / curl.uploadSeconds());
          report.add(
              "  curl's file put into the same S3 by the AWS SDK (one PUT): %.2f s"
                  .formatted(curl.uploadSeconds()));
        }
        peak = Math.max(peak, worker.peakHeapMb());
        report.add(
            ("%,d rows CSV (%,d bytes), round %d: curl into a file %.2f s (CPU %.2f s);"
                        + " worker created_at -> completed_at %.2f s (stream %.2f s, JVM CPU %.2f s),")
                    .formatted(
                        rows,
                        worker.bytes(),
                        round,
                        curl.seconds(),
                        curl.cpuSeconds(),
                        worker.seconds(),
                        worker.streamSeconds(),
                        worker.cpuSeconds())
                + " ratio %.2f (CPU %.2f); worker JVM heap used: peak %d MB"
                    .formatted(
                        worker.seconds() / curl.seconds(),
                        worker.cpuSeconds() / curl.cpuSeconds(),
                        worker.peakHeapMb()));
      }
      report.add(
          "%s, %,d rows: median ratio %.2f (CPU %.2f) over %d rounds; heap peak %d MB"
              .formatted(
                  store.name().toLowerCase(Locale.ROOT),
                  rows,
                  median(ratios),
                  median(cpuRatios),
                  rounds,
                  peak));
      if (!uploadRatios.isEmpty()) {
        report.add(
            "%s, %,d rows: median worker / the SDK's upload of curl's file %.2f"
                .formatted(store.name().toLowerCase(Locale.ROOT), rows, median(uploadRatios)));
      }
      if (rows == 10_000_000) {
        report.add(
            "%s, 10,000,000 rows: target worker / curl <= %.2f: %s"
                .formatted(
                    store.name().toLowerCase(Locale.ROOT),
                    TARGET_RATIO,
                    median(ratios) <= TARGET_RATIO ? "met" : "not met"));
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(middle)
        : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /**
   * @param uploadSeconds for the S3 store, the time the AWS SDK took to put curl's file into the
   *     same server, a yardstick of what that server takes; 0 for the local store
   */
  private record Curl(double seconds, double cpuSeconds, double uploadSeconds) {}

  private record Run(
      long bytes, double seconds, double streamSeconds, double cpuSeconds, long peakHeapMb) {}

  private Run run(int rows) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    AtomicLong peak = new AtomicLong();
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                      Thread.sleep(20);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    long cpuBefore = PROCESS.getProcessCpuTime();
    long id = stack.create(SQL.formatted(rows), "CSV", "default");
    // The end is read from the database's own clock, so the benchmark can poll lazily: polling
    // every 20 ms took a tenth of a core from the two that ClickHouse and the worker share.
    Execution done = stack.awaitEnd(id, Duration.ofMillis(250), Duration.ofMinutes(5));
    double seconds = Duration.between(done.createdAt(), done.completedAt()).toNanos() / 1e9;
    double cpuSeconds = (PROCESS.getProcessCpuTime() - cpuBefore) / 1e9;
    sampler.interrupt();
    sampler.join();
    if (done.status() != ExecutionStatus.SUCCEEDED) {
      throw new IllegalStateException("benchmark execution failed: " + done.error());
    }
    delete(done.result().key());
    return new Run(
        done.result().bytes(),
        seconds,
        done.result().durationMillis() / 1000.0,
        cpuSeconds,
        peak.get() / (1024 * 1024));
  }

  private void delete(String key) throws Exception {
    if (store == Store.LOCAL) {
      Files.delete(results.resolve(key));
      Files.deleteIfExists(results.resolve(RowIndex.keyFor(key)));
      return;
    }
    // The test kit's server keeps its objects in this JVM's heap.
    S3TestServer.shared().deleteObject(BUCKET, key);
    S3TestServer.shared().deleteObject(BUCKET, RowIndex.keyFor(key));
  }

  /**
   * Curl's own time for the transfer ({@code time_total}: from its start to the last byte written,
   * without the start of the processes), and its CPU time as the shell's {@code times} reports it.
   */
  private Curl curl(int rows) throws Exception {
    Path file = results.resolve("curl.csv");
    Process curl =
        new ProcessBuilder(
                "bash",
                "-c",
                "curl -sS -w '%{time_total}\\n' -o \"$1\" --data-binary \"$2\" \"$3\" && times",
                "curl",
                file.toString(),
                SQL.formatted(rows) + " FORMAT CSV",
                ClickHouseTestServer.shared().httpUrl().toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (curl.waitFor() != 0) {
      throw new IllegalStateException("curl failed");
    }
    double uploadSeconds = store == Store.S3 ? upload(file) : 0;
    Files.delete(file);
    List<String> lines = output.lines().toList();
    double seconds = Double.parseDouble(lines.get(0));
    // Then the shell's own times, then its children's, e.g. "0m0.210s 0m1.620s".
    Matcher children = TIMES.matcher(lines.get(2));
    double cpu = 0;
    while (children.find()) {
      cpu += Integer.parseInt(children.group(1)) * 60 + Double.parseDouble(children.group(2));
    }
    return new Curl(seconds, cpu, uploadSeconds);
  }

  /**
   * Puts a file into the benchmark's bucket as any S3 client would (the AWS SDK, one PUT), and
   * deletes it again: how long that server takes to take those bytes, whoever sends them.
   */
  private double upload(Path file) {
    S3TestServer s3 = S3TestServer.shared();
    try (S3Client client =
        S3Client.builder()
            .httpClientBuilder(Apache5HttpClient.builder())
            .endpointOverride(s3.endpoint())
            .region(Region.of(s3.region()))
            .forcePathStyle(true)
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
            .build()) {
      long start = System.nanoTime();
      client.putObject(b -> b.bucket(BUCKET).key("curl.csv"), RequestBody.fromFile(file));
      double seconds = (System.nanoTime() - start) / 1e9;
      s3.deleteObject(BUCKET, "curl.csv");
      return seconds;
    }
  }
}
