package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.UserLimits;
import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Downloads end when they stop moving, not when they take long, against a real API and a real
 * result store (subclasses choose which), read by clients over plain sockets whose pace the tests
 * set.
 *
 * <p>The kernel buffers a few MiB of a download in the two sockets (up to about 5 MiB on these
 * machines), so the results are much larger than that: the server is still writing long after a
 * client has slowed down or stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LongDownloadsTestBase {

  /** Stands for Tomcat's 30 s: the async request timeout that used to cut slow downloads. */
  private static final Duration ASYNC_REQUEST_TIMEOUT = Duration.ofSeconds(1);

  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);

  private static final int MIB = 1024 * 1024;

  /** Whose async requests time out after a second and whose downloads are cut after idle one. */
  private final TestApi strict;

  /** Whose downloads are never cut within a test: only a client that leaves can end one. */
  private final TestApi patient;

  /** Whose users may hold two downloads each, cut below 256 KiB a second over a second. */
  private final TestApi guarded;

  LongDownloadsTestBase(String... storeArgs) {
    strict =
        TestApi.start(
            with(
                storeArgs,
                "--spring.mvc.async.request-timeout=" + ASYNC_REQUEST_TIMEOUT.toMillis() + "ms",
                "--agp.api.download-idle-timeout=" + IDLE_TIMEOUT.toMillis() + "ms"));
    patient =
        TestApi.start(
            with(
                storeArgs,
                "--agp.api.download-idle-timeout=1h",
                // Many downloads of one user, at any pace: the instance's bounds alone.
                "--agp.api.per-user.downloads=0",
                "--agp.api.per-user.stalled-download-rate=0"));
    guarded =
        TestApi.start(
            with(
                storeArgs,
                "--agp.api.download-idle-timeout=1h",
                "--agp.api.per-user.downloads=2",
                "--agp.api.per-user.stalled-download-rate=256KB",
                "--agp.api.per-user.stalled-download-after=1s"));
  }

  @AfterAll
  void stop() {
    strict.context.close();
    patient.context.close();
    guarded.context.close();
  }

  /**
   * One user holding as many downloads as they may is refused another (429, Retry-After) while
   * another user downloads whole; once they let one go, they may download again.
   */
  @Test
  void oneUserHoldsAtMostTheirDownloadsWhileOthersStillDownload() throws Exception {
    byte[] result = randomBytes(16 * MIB);
    long id = succeeded(guarded, result);
    URI url = guarded.url(resultPath(id));
    List<RawDownload> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        RawDownload download = RawDownload.open(url, "X-AGP-User: hog");
        held.add(download);
        assertThat(download.status()).isEqualTo(200);
        download.read(64 * 1024);
      }
      try (RawDownload over = RawDownload.open(url, "X-AGP-User: hog")) {
        assertThat(over.status()).isEqualTo(429);
        assertThat(over.header("Retry-After")).isNotBlank();
        assertThat(over.header("Content-Type")).startsWith("application/problem+json");
      }
      try (RawDownload other = RawDownload.open(url, "X-AGP-User: someone-else")) {
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.readThrottled(Long.MAX_VALUE)).isEqualTo(RawDownload.sha256(result));
      }
    } finally {
      held.getFirst().abort();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                guarded.context.getBean(UserLimits.class).held(UserLimits.Kind.DOWNLOADS, "hog")
                    == 1);
    try (RawDownload again = RawDownload.open(url, "X-AGP-User: hog")) {
      assertThat(again.status()).isEqualTo(200);
    } finally {
      held.get(1).abort();
    }
  }

  /**
   * A client that downloads with as many threads as the user may hold downloads, each taking one
   * result after another, is never refused: the place a download holds is free again by the time
   * its client has the last byte and asks for the next.
   */
  @Test
  void aClientWithAsManyThreadsAsItsPlacesIsNeverRefused() throws Exception {
    byte[] result = randomBytes(4 * 1024);
    long id = succeeded(guarded, result);
    URI url = guarded.url(resultPath(id));
    String expected = RawDownload.sha256(result);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<Integer>>> statuses = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        statuses.add(
            threads.submit(
                () -> {
                  List<Integer> seen = new ArrayList<>();
                  for (int i = 0; i < 500; i++) {
                    // A connection of its own each time, as a client with a pool of several
                    // connections may take: the request is not queued behind the last one's end.
                    try (RawDownload download = RawDownload.open(url, "X-AGP-User: busy")) {
                      seen.add(download.status());
                      if (download.status() == 200) {
                        assertThat(download.readThrottled(Long.MAX_VALUE)).isEqualTo(expected);
                      }
                    }
                  }
                  return seen;
                }));
      }
      for (Future<List<Integer>> seen : statuses) {
        assertThat(seen.get()).hasSize(500).containsOnly(200);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A reader that takes a trickle (4 KiB a second, below the floor of 256 KiB) holds its download
   * open a window or two, not for the hours its pace would take: the download is cut and lets go of
   * its stored object and its user's download. (The reader itself may still drain what the sockets
   * had buffered before it sees the end.)
   */
  @Test
  void aReaderThatTakesATrickleBelowTheFloorIsCut() throws Exception {
    byte[] result = randomBytes(32 * MIB);
    long id = succeeded(guarded, result);
    UserLimits limits = guarded.context.getBean(UserLimits.class);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try (RawDownload trickle = RawDownload.open(guarded.url(resultPath(id)), "X-AGP-User: slow")) {
      assertThat(trickle.status()).isEqualTo(200);
      Future<String> read = reader.submit(() -> trickle.readThrottled(4 * 1024));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> limits.held(UserLimits.Kind.DOWNLOADS, "slow") == 0);
      assertThat(guarded.context.getBean(DownloadWatchdog.class).running()).isZero();
      assertThat(read).isNotDone();
      trickle.abort();
    } finally {
      reader.shutdownNow();
    }
  }

  /** What the store holds open for downloads: files, or connections to S3. */
  abstract long openInStore();

  /**
   * What the store holds open for downloads that stopped half-way: files, or connections to S3 with
   * bytes of an object nobody reads.
   */
  abstract long abandonedInStore();

  /**
   * 12 MiB at 2.5 MiB/s take about 5 s to read; with at most 5 MiB in the sockets' buffers the
   * server is still writing about 3 s in, three times the async request timeout. Whole, a range and
   * through a signed link, at once.
   */
  @Test
  void slowReadersGetEveryByteLongPastTheAsyncRequestTimeout() throws Exception {
    byte[] result = randomBytes(12 * MIB);
    long id = succeeded(strict, result);
    int from = MIB;
    byte[] tail = Arrays.copyOfRange(result, from, result.length);
    URI link =
        URI.create(strict.client.post(resultPath(id) + "-link").json().get("url").asString());
    long rate = 5 * MIB / 2;

    long start = System.nanoTime();
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<String> whole =
          readers.submit(() -> read(strict.url(resultPath(id)), 200, result.length, rate));
      Future<String> range =
          readers.submit(
              () ->
                  read(
                      strict.url(resultPath(id)),
                      206,
                      tail.length,
                      rate,
                      "Range: bytes=" + from + "-"));
      Future<String> signed = readers.submit(() -> read(link, 200, result.length, rate));

      assertThat(whole.get()).isEqualTo(RawDownload.sha256(result));
      assertThat(range.get()).isEqualTo(RawDownload.sha256(tail));
      assertThat(signed.get()).isEqualTo(RawDownload.sha256(result));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThan(ASYNC_REQUEST_TIMEOUT.multipliedBy(2));
  }

  /**
   * The client keeps its connection but reads nothing more: once the idle timeout has passed with
   * nothing sent, the stored object is closed, and the connection too, so that the client, reading
   * again, finds the body ended short.
   */
  @Test
  void aClientThatStopsReadingIsDroppedAfterTheIdleTimeout() throws Exception {
    byte[] result = randomBytes(32 * MIB);
    long id = succeeded(strict, result);
    long openBefore = openInStore();

    try (RawDownload download = RawDownload.open(strict.url(resultPath(id)))) {
      assertThat(download.status()).isEqualTo(200);
      int read = download.read(MIB).length;
      long stopped = System.nanoTime();
      // The download is seen open (and half-read) while the client holds it...
      await().atMost(Duration.ofSeconds(10)).until(() -> abandonedInStore() > 0);
      // ...until the idle timeout has passed.
      await()
          .atMost(IDLE_TIMEOUT.plusSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> abandonedInStore() == 0 && openInStore() <= openBefore);
      assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isGreaterThan(IDLE_TIMEOUT);

      long rest = download.drain(Duration.ofSeconds(10));
      assertThat(read + rest).isLessThan(result.length);
    }
  }

  /**
   * Twenty clients read the start of a large result, then go away with a reset, as killed clients
   * do; the idle timeout is far away, so that only their leaving can end the downloads. Every file
   * and S3 connection they used is let go, and the next download is served as before.
   */
  @Test
  void twentyClientsThatLeaveMidDownloadLeaveTheStoreAsItWas() throws Exception {
    byte[] result = randomBytes(32 * MIB);
    long id = succeeded(patient, result);
    long openBefore = openInStore();

    List<RawDownload> downloads = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        RawDownload download = RawDownload.open(patient.url(resultPath(id)));
        downloads.add(download);
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.read(256 * 1024)).hasSize(256 * 1024);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> abandonedInStore() >= 20);
    } finally {
      for (RawDownload download : downloads) {
        download.abort();
      }
    }

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> abandonedInStore() == 0 && openInStore() <= openBefore);
    assertThat(patient.context.getBean(DownloadWatchdog.class).running()).isZero();
    try (RawDownload again = RawDownload.open(patient.url(resultPath(id)))) {
      assertThat(again.readThrottled(Long.MAX_VALUE)).isEqualTo(RawDownload.sha256(result));
    }
  }

  private static String read(URI url, int status, long length, long rate, String... headers)
      throws IOException {
    try (RawDownload download = RawDownload.open(url, headers)) {
      assertThat(download.status()).isEqualTo(status);
      assertThat(download.contentLength()).isEqualTo(length);
      return download.readThrottled(rate);
    }
  }

  static long succeeded(TestApi api, byte[] result) throws Exception {
    long id =
        api.client
            .postJson(
                "/v1/async/executions",
                "{\"sql\": \"SELECT '%s'\", \"format\": \"CSV\"}".formatted(UUID.randomUUID()))
            .json()
            .get("id")
            .asLong();
    api.succeed(id, result, null);
    return id;
  }

  static String resultPath(long id) {
    return "/v1/async/executions/" + id + "/result";
  }

  static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  static String[] with(String[] first, String... more) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
