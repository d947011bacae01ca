package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Downloads do not end when they take long, against a real API and a real result store (subclasses
 * choose which), read by clients over plain sockets whose pace the tests set.
 *
 * <p>The kernel buffers a few MiB of a download in the two sockets (up to about 5 MiB on these
 * machines), so the results are much larger than that: the server is still writing long after a
 * client has slowed down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LongDownloadsTestBase {

  /** Stands for Tomcat's 30 s: the async request timeout that used to cut slow downloads. */
  private static final Duration ASYNC_REQUEST_TIMEOUT = Duration.ofSeconds(1);

  private static final int MIB = 1024 * 1024;

  /** Whose async requests time out after a second. */
  private final TestApi strict;

  LongDownloadsTestBase(String... storeArgs) {
    strict =
        TestApi.start(
            with(
                storeArgs,
                "--spring.mvc.async.request-timeout=" + ASYNC_REQUEST_TIMEOUT.toMillis() + "ms"));
  }

  @AfterAll
  void stop() {
    strict.context.close();
  }

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

  private static String read(URI url, int status, long length, long rate, String... headers)
      throws IOException {
    try (RawDownload download = RawDownload.open(url, headers)) {
      assertThat(download.status()).isEqualTo(status);
      assertThat(download.contentLength()).isEqualTo(length);
      return download.readThrottled(rate);
    }
  }

  private static long succeeded(TestApi api, byte[] result) throws Exception {
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

  private static String resultPath(long id) {
    return "/v1/async/executions/" + id + "/result";
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static String[] with(String[] first, String... more) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
