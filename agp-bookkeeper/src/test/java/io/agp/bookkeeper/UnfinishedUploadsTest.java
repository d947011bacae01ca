package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.orphans.OrphanSweeper;
import io.agp.execution.AttemptId;
import io.agp.execution.ResultFormat;
import io.agp.execution.StoredResult;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultStores;
import io.agp.results.ResultUpload;
import io.agp.results.S3Options;
import io.agp.results.UnfinishedUpload;
import io.agp.testkit.S3TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that dies in the middle of storing a result leaves an unfinished upload: a partial file
 * in the local store, a multipart upload and its parts on S3. The orphan sweep aborts those of
 * attempts that no longer run, on both stores, and leaves alone those of attempts still running.
 */
class UnfinishedUploadsTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void s3TheMultipartUploadOfAnAttemptThatNoLongerRunsIsAbortedWithItsParts() throws Exception {
    String dead = deadAttemptKey();
    leaveUnfinished(fixture.results, dead);
    assertThat(unfinished(fixture.results)).containsExactly(dead);
    assertThat(S3TestServer.shared().pendingMultipartUploads(fixture.bucket)).isEqualTo(1);

    OrphanSweeper.Report report = sweeper(fixture.results, Duration.ZERO).runOnce();

    assertThat(report.abortedUploads()).isEqualTo(1);
    assertThat(unfinished(fixture.results)).isEmpty();
    // Nothing of it left in the bucket: the server holds no upload (nor its parts) nor object.
    assertThat(S3TestServer.shared().pendingMultipartUploads(fixture.bucket)).isZero();
    assertThat(fixture.storedKeys()).isEmpty();
  }

  @Test
  void localThePartialFileOfAnAttemptThatNoLongerRunsIsDeleted() throws Exception {
    Path folder = Files.createTempDirectory("agp-unfinished");
    try (ResultStore local = ResultStores.open(folder.toUri(), null)) {
      String dead = deadAttemptKey();
      leaveUnfinished(local, dead);
      assertThat(unfinished(local)).containsExactly(dead);

      OrphanSweeper.Report report = sweeper(local, Duration.ZERO).runOnce();

      assertThat(report.abortedUploads()).isEqualTo(1);
      assertThat(unfinished(local)).isEmpty();
      try (Stream<Path> files = Files.walk(folder)) {
        assertThat(files.filter(Files::isRegularFile)).isEmpty();
      }
    }
  }

  @Test
  void theUploadsOfRunningAttemptsAndYoungUploadsAreLeftAlone() throws Exception {
    Path folder = Files.createTempDirectory("agp-unfinished");
    try (ResultStore local = ResultStores.open(folder.toUri(), null)) {
      fixture.create("SELECT 1", Map.of(), 3);
      String running = key(fixture.claim(Duration.ofMinutes(5)));
      String dead = deadAttemptKey();
      for (ResultStore store : List.of(fixture.results, local)) {
        leaveUnfinished(store, running);
        leaveUnfinished(store, dead);

        // However old, an upload of a running attempt may still be written: its query may be long.
        assertThat(sweeper(store, Duration.ZERO).runOnce().abortedUploads()).isEqualTo(1);
        assertThat(unfinished(store)).containsExactly(running);

        // Within the safety margin, even a dead attempt's upload is left for the next round.
        leaveUnfinished(store, dead);
        assertThat(sweeper(store, Duration.ofHours(1)).runOnce().abortedUploads()).isZero();
        assertThat(unfinished(store)).containsExactlyInAnyOrder(running, dead);
      }
    }
  }

  /** The key of an attempt whose execution does not run it: it failed after its first attempt. */
  private String deadAttemptKey() {
    fixture.create("SELECT 2", Map.of(), 1);
    AttemptId attempt = fixture.claim(Duration.ofMinutes(5));
    assertThat(fixture.executions.fail(attempt, "the worker died")).isTrue();
    return key(attempt);
  }

  private static String key(AttemptId attempt) {
    return StoredResult.keyFor(attempt, ResultFormat.JSON, ResultCompression.NONE);
  }

  /**
   * Starts an upload and leaves it as a killed worker would: more than a part written (so that S3
   * holds a multipart upload with a part), neither committed nor aborted.
   */
  private static void leaveUnfinished(ResultStore store, String key) throws IOException {
    ResultUpload upload = store.upload(key);
    byte[] chunk = new byte[1 << 20];
    for (int i = 0; i <= S3Options.DEFAULT_PART_SIZE_BYTES / chunk.length; i++) {
      upload.stream().write(chunk);
    }
    upload.stream().flush();
  }

  private static List<String> unfinished(ResultStore store) throws IOException {
    try (Stream<UnfinishedUpload> uploads = store.listUnfinished(StoredResult.KEY_PREFIX)) {
      return uploads.map(UnfinishedUpload::key).toList();
    }
  }

  private OrphanSweeper sweeper(ResultStore store, Duration safetyMargin) {
    // A clock a little ahead, so that an upload written just now counts as older than a zero
    // margin.
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5));
    return new OrphanSweeper(
        fixture.maintenance,
        store,
        new BookkeeperProperties.Orphans(Duration.ofHours(1), safetyMargin),
        clock,
        new SimpleMeterRegistry());
  }
}
