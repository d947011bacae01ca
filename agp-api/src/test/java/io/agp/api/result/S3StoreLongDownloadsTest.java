package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.api.testing.RawDownload;
import io.agp.api.testing.TestApi;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Long downloads from S3 (S3Proxy, in this JVM). What a download holds there is a connection of the
 * S3 client's pool, leased for as long as the object is read.
 *
 * <p>The pool is observed through the kernel: the TCP connections of this process to S3Proxy's port
 * that are established, from {@code /proc/self/net/tcp6} (and {@code tcp}) matched to the process's
 * own sockets. That sees what matters (a socket held open) whatever holds it, without a hook in the
 * production code to reach the SDK's pool. The pool also keeps idle connections for reuse, which
 * the kernel cannot tell from leased ones, and which downloads take before opening new ones; so "as
 * it was" means no more connections than before, and none with bytes of an object waiting unread in
 * its socket: a download abandoned half-way leaves its connection exactly so, since S3 goes on
 * sending until the socket's buffer is full, while a connection back in the pool has read its
 * response to the end.
 */
class S3StoreLongDownloadsTest extends LongDownloadsTestBase {

  private static final String BUCKET = "long-downloads";
  private static final int MIB = 1024 * 1024;

  /** What each held download has read. */
  private static final int HELD = 256 * 1024;

  S3StoreLongDownloadsTest() {
    super(s3Args());
  }

  @Override
  long openInStore() {
    return OpenResources.connectionsTo(s3Port()).size();
  }

  @Override
  long abandonedInStore() {
    return OpenResources.connectionsTo(s3Port()).stream()
        .filter(connection -> connection.unreadBytes() > 0)
        .count();
  }

  /**
   * Sixty clients download at once and hold their downloads half-read: each has an S3 connection of
   * its own (the API sizes its pool for downloads), a result stored meanwhile through the same
   * client is not held up by them, and then every client gets every byte.
   */
  @Test
  void sixtyConcurrentDownloadsStarveNeitherEachOtherNorAnUpload() throws Exception {
    // Sixty downloads of one user: the instance's bounds alone, not a user's.
    TestApi api = TestApi.start(with(s3Args(), "--agp.api.per-user.downloads=0"));
    try {
      byte[] result = randomBytes(16 * MIB);
      long id = succeeded(api, result);
      List<RawDownload> downloads = new ArrayList<>();
      try {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
          List<Future<RawDownload>> opening = new ArrayList<>();
          for (int i = 0; i < 60; i++) {
            opening.add(clients.submit(() -> startedDownload(api, id)));
          }
          for (Future<RawDownload> download : opening) {
            downloads.add(download.get(30, TimeUnit.SECONDS));
          }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> abandonedInStore() >= 60);

        // An upload while the sixty hold their connections: a starved one would wait the SDK's
        // ten seconds for a connection and fail.
        long started = System.nanoTime();
        long another = succeeded(api, randomBytes(MIB));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(api.client.get(resultPath(another)).status()).isEqualTo(200);

        // All at once again: S3Proxy drops a connection left idle half a minute.
        String rest = RawDownload.sha256(Arrays.copyOfRange(result, HELD, result.length));
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
          List<Future<String>> hashes = new ArrayList<>();
          for (RawDownload download : downloads) {
            hashes.add(readers.submit(() -> download.readThrottled(Long.MAX_VALUE)));
          }
          for (Future<String> hash : hashes) {
            assertThat(hash.get(60, TimeUnit.SECONDS)).isEqualTo(rest);
          }
        }
      } finally {
        abortAll(downloads);
      }
    } finally {
      api.context.close();
    }
  }

  /**
   * {@code agp.results.s3.max-connections} bounds the pool: with 4, a fifth download waits for a
   * connection until one of the four holding theirs goes away, and is then served whole.
   */
  @Test
  void maxConnectionsBoundsThePoolAndADownloadWaitsForAFreeConnection() throws Exception {
    TestApi api =
        TestApi.start(
            with(s3Args(), "--agp.results.s3.max-connections=4", "--agp.api.per-user.downloads=0"));
    try {
      byte[] result = randomBytes(16 * MIB);
      long id = succeeded(api, result);
      List<RawDownload> holding = new ArrayList<>();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 4; i++) {
          holding.add(startedDownload(api, id));
        }
        Future<String> fifth =
            clients.submit(
                () -> {
                  try (RawDownload download = RawDownload.open(api.url(resultPath(id)))) {
                    assertThat(download.status()).isEqualTo(200);
                    return download.readThrottled(Long.MAX_VALUE);
                  }
                });

        Thread.sleep(2_000);
        assertThat(fifth).isNotDone();
        holding.removeFirst().abort();

        assertThat(fifth.get(10, TimeUnit.SECONDS)).isEqualTo(RawDownload.sha256(result));
      } finally {
        abortAll(holding);
      }
    } finally {
      api.context.close();
    }
  }

  private static void abortAll(List<RawDownload> downloads) throws IOException {
    for (RawDownload download : downloads) {
      download.abort();
    }
  }

  /** A download whose client has read its first {@link #HELD} bytes and reads no more for now. */
  private static RawDownload startedDownload(TestApi api, long id) throws IOException {
    RawDownload download = RawDownload.open(api.url(resultPath(id)));
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.read(HELD)).hasSize(HELD);
    return download;
  }

  private static int s3Port() {
    return S3TestServer.shared().endpoint().getPort();
  }

  private static String[] s3Args() {
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket(BUCKET);
    return new String[] {
      "--agp.results.location=s3://" + BUCKET + "/results",
      "--agp.results.s3.endpoint=" + s3.endpoint(),
      "--agp.results.s3.region=" + s3.region(),
      "--agp.results.s3.access-key=" + s3.accessKey(),
      "--agp.results.s3.secret-key=" + s3.secretKey(),
      "--agp.results.s3.path-style=true",
      "--agp.results.s3.checksums-when-required=true"
    };
  }
}
