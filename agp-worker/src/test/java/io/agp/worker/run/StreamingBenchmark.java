package io.agp.worker.run;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.ClickHouseTestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Streaming a large CSV result into the (local) result store, against a plain {@code curl} of the
 * same query into a file, and the worker's heap while it streams 1 M and 10 M rows. Run with {@code
 * bench/worker/streaming.sh}; figures go to stdout and {@code target/bench-streaming.txt}.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingBenchmark {

  /** About 100 bytes a row in CSV. */
  private static final String SQL =
      "SELECT number, toString(number * 7919) AS a, toString(number %% 1000) AS b,"
          + " 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' AS c"
          + " FROM system.numbers LIMIT %d";

  private Path results;
  private WorkerStack stack;
  private final List<String> report = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    results = Files.createTempDirectory(Path.of("target"), "bench-results");
    stack =
        WorkerStack.start(
            Map.of(
                "agp.results.location",
                results.toAbsolutePath().toUri().toString(),
                "logging.level.io.agp",
                "WARN"));
  }

  @AfterAll
  void stop() throws Exception {
    stack.close();
    report.forEach(System.out::println);
    Files.write(Path.of("target", "bench-streaming.txt"), report);
  }

  @Test
  void tenMillionRowsAgainstCurlAndTheHeapFromOneToTenMillion() throws Exception {
    run(100_000); // warm-up
    for (int rows : new int[] {1_000_000, 10_000_000}) {
      double curl = curl(rows);
      Run worker = run(rows);
      report.add(
          "%,d rows CSV (%,d bytes): curl into a file %.2f s; worker create -> SUCCEEDED %.2f s"
                  .formatted(rows, worker.bytes(), curl, worker.seconds())
              + " (stream %.2f s), ratio %.2f; worker JVM heap used: peak %d MB"
                  .formatted(worker.streamSeconds(), worker.seconds() / curl, worker.peakHeapMb()));
    }
  }

  private record Run(long bytes, double seconds, double streamSeconds, long peakHeapMb) {}

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
    long started = System.nanoTime();
    long id = stack.create(SQL.formatted(rows), "CSV", "default");
    Execution done = stack.awaitEnd(id);
    double seconds = (System.nanoTime() - started) / 1e9;
    sampler.interrupt();
    sampler.join();
    if (done.status() != ExecutionStatus.SUCCEEDED) {
      throw new IllegalStateException("benchmark execution failed: " + done.error());
    }
    Files.delete(results.resolve(done.result().key()));
    return new Run(
        done.result().bytes(),
        seconds,
        done.result().durationMillis() / 1000.0,
        peak.get() / (1024 * 1024));
  }

  private double curl(int rows) throws Exception {
    Path file = results.resolve("curl.csv");
    long started = System.nanoTime();
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-o",
                file.toString(),
                "--data-binary",
                SQL.formatted(rows) + " FORMAT CSV",
                ClickHouseTestServer.shared().httpUrl().toString())
            .inheritIO()
            .start();
    if (curl.waitFor() != 0) {
      throw new IllegalStateException("curl failed");
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Files.delete(file);
    return seconds;
  }
}
