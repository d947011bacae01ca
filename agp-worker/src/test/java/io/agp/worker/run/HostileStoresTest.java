package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A store that refuses a result fails its execution with a message that says so, and leaves nothing
 * behind: a local store on a full disk, an S3 store that refuses the worker's requests.
 */
class HostileStoresTest {

  /** About 14 MB of TSV: more than the full disk holds, more than two S3 parts. */
  private static final String LARGE = "SELECT number FROM system.numbers LIMIT 2000000";

  @Test
  void aFullDiskFailsTheExecutionWithTheReasonAndLeavesNoFile() throws Exception {
    Path disk = Files.createTempDirectory("agp-full-disk");
    // A file system of 1 MiB of its own (root can mount one; elsewhere the test cannot be made).
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()) == 0);
    try (WorkerStack stack =
        WorkerStack.start(Map.of("agp.results.location", disk.toUri().toString()))) {
      Execution failed =
          stack.awaitStatus(
              stack.create(LARGE, "TSV", "default", "tester", Map.of(), 1),
              ExecutionStatus.FAILED,
              Duration.ofSeconds(60));

      assertThat(failed.error())
          .startsWith("storing the result failed")
          .containsIgnoringCase("no space left on device");
      try (Stream<Path> files = Files.walk(disk)) {
        assertThat(files.filter(Files::isRegularFile)).isEmpty();
      }
    } finally {
      run("umount", disk.toString());
    }
  }

  @Test
  void anS3StoreThatRefusesTheUploadFailsTheExecutionAndHoldsNothingOfIt() throws Exception {
    S3TestServer s3 = S3TestServer.shared();
    String bucket = "refusing";
    s3.createBucket(bucket);
    Map<String, Object> properties = new HashMap<>();
    properties.put("agp.results.location", "s3://" + bucket + "/results");
    properties.put("agp.results.s3.endpoint", s3.endpoint().toString());
    properties.put("agp.results.s3.region", s3.region());
    properties.put("agp.results.s3.access-key", s3.accessKey());
    // Credentials the server refuses: every request is answered 403.
    properties.put("agp.results.s3.secret-key", s3.secretKey() + "-wrong");
    properties.put("agp.results.s3.path-style", "true");
    properties.put("agp.results.s3.checksums-when-required", "true");
    properties.put("agp.results.s3.part-size", "5MB");
    // SELECT 1 would be kept in its row and never reach the store.
    properties.put("agp.tiers.default.inline-result-size", "0");
    try (WorkerStack stack = WorkerStack.start(properties)) {
      for (String sql : new String[] {"SELECT 1", LARGE}) {
        Execution failed =
            stack.awaitStatus(
                stack.create(sql, "TSV", "default", "tester", Map.of(), 1),
                ExecutionStatus.FAILED,
                Duration.ofSeconds(60));

        assertThat(failed.error()).startsWith("storing the result failed").contains("403");
      }
      assertThat(s3.keys(bucket)).isEmpty();
      assertThat(s3.pendingMultipartUploads(bucket)).isZero();
    }
  }

  private static int run(String... command) throws IOException, InterruptedException {
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
