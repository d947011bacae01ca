package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way a result can end early, against the real ClickHouse and S3 servers: the execution is
 * FAILED with a clear message, the multipart upload is aborted and no object is left.
 */
class NeverTruncatedTest {

  private static final String BUCKET = "never-truncated";

  /** Streams about 9 MB/s for as long as it is let run: a query to break in the middle. */
  private static final String ENDLESS_STREAM =
      "SELECT number, toString(number) AS s FROM system.numbers WHERE NOT ignore(sleep(0.1))";

  private static final S3TestServer s3 = S3TestServer.shared();
  private static final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private static WorkerStack stack;

  @BeforeAll
  static void start() {
    s3.createBucket(BUCKET);
    String url = clickhouse.httpUrl().toString();
    Map<String, Object> properties = new HashMap<>();
    properties.put("agp.results.location", "s3://" + BUCKET + "/results");
    properties.put("agp.results.s3.endpoint", s3.endpoint().toString());
    properties.put("agp.results.s3.region", s3.region());
    properties.put("agp.results.s3.access-key", s3.accessKey());
    properties.put("agp.results.s3.secret-key", s3.secretKey());
    properties.put("agp.results.s3.path-style", "true");
    properties.put("agp.results.s3.checksums-when-required", "true");
    properties.put("agp.results.s3.part-size", "5MB");
    properties.put("agp.tiers.default.max-run-time", "60s");
    properties.put("agp.tiers.default.concurrency", "8");
    properties.put("agp.tiers.timeout.clickhouse.url", url);
    properties.put("agp.tiers.timeout.settings.max_execution_time", "1");
    properties.put("agp.tiers.rows.clickhouse.url", url);
    properties.put("agp.tiers.rows.settings.max_result_rows", "1000");
    properties.put("agp.tiers.rows.settings.result_overflow_mode", "break");
    properties.put("agp.tiers.bytes.clickhouse.url", url);
    properties.put("agp.tiers.bytes.settings.max_result_bytes", "100000");
    properties.put("agp.tiers.bytes.settings.result_overflow_mode", "break");
    properties.put("agp.tiers.small.clickhouse.url", url);
    properties.put("agp.tiers.small.max-result-size", "1MB");
    stack = WorkerStack.start(properties);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @ParameterizedTest
  @EnumSource(ResultFormat.class)
  void anErrorAfterManyRowsFailsTheExecutionInEveryFormat(ResultFormat format) throws Exception {
    String sql =
        "SELECT number, throwIf(number = 1000000) AS boom FROM system.numbers LIMIT 2000000";
    // This result is large enough that ClickHouse has answered 200 and sent rows before the
    // error: the error comes inside the body.
    assertThat(clickHouseStatus(sql + " FORMAT " + format.name())).isEqualTo(200);

    Execution done = stack.awaitEnd(stack.create(sql, format.name(), "default"));

    assertFailedWithNothingStored(done, "throwIf");
  }

  @ParameterizedTest
  @EnumSource(ResultFormat.class)
  void anErrorAfterTheFirstBlocksFailsTheExecutionInEveryFormat(ResultFormat format) {
    // 18.16 may answer 500 here (CSV, TSV: the error comes before its buffer is sent) or 200 with
    // the error in the body (JSON): both must fail.
    Execution done =
        stack.awaitEnd(
            stack.create(
                "SELECT throwIf(number = 100000) FROM system.numbers LIMIT 200000",
                format.name(),
                "default"));

    assertFailedWithNothingStored(done, "throwIf");
  }

  @Test
  void exceedingMaxExecutionTimeWhileStreamingFailsTheExecution() {
    Execution done = stack.awaitEnd(stack.create(ENDLESS_STREAM, "TSV", "timeout"));

    assertFailedWithNothingStored(done, "Timeout exceeded");
  }

  @Test
  void exceedingMaxResultRowsFailsTheExecutionDespiteABreakMode() {
    Execution done =
        stack.awaitEnd(
            stack.create("SELECT number FROM system.numbers LIMIT 100000", "CSV", "rows"));

    assertFailedWithNothingStored(done, "Limit for result exceeded, max rows: 1.00 thousand");
  }

  @Test
  void exceedingMaxResultBytesFailsTheExecutionDespiteABreakMode() {
    Execution done =
        stack.awaitEnd(
            stack.create("SELECT number FROM system.numbers LIMIT 100000", "JSON", "bytes"));

    assertFailedWithNothingStored(done, "Limit for result exceeded, max bytes");
  }

  @Test
  void aResultOverTheTiersMaximumSizeFailsTheExecution() {
    Execution done =
        stack.awaitEnd(
            stack.create("SELECT number FROM system.numbers LIMIT 1000000", "TSV", "small"));

    assertFailedWithNothingStored(done, "larger than the tier's maximum of 1048576 bytes");
    await().atMost(Duration.ofSeconds(5)).until(() -> !WorkerStack.clickHouseRuns(done.id()));
  }

  @Test
  void clickHouseKilledMidStreamFailsTheExecution() {
    long id = stack.create(ENDLESS_STREAM, "TSV", "default");
    // A multipart upload has begun: more than a part of rows went through the worker.
    await().atMost(Duration.ofSeconds(30)).until(() -> s3.pendingMultipartUploads(BUCKET) == 1);

    clickhouse.stop();
    Execution done;
    try {
      done = stack.awaitEnd(id);
    } finally {
      clickhouse.start();
    }

    assertFailedWithNothingStored(done, "ClickHouse's answer broke off after");
    assertThat(done.attempt()).isEqualTo(1);
  }

  @Test
  void s3StoppedMidUploadFailsTheExecutionAndTheUploadIsAbortedOnceS3IsBack() {
    long id = stack.create(ENDLESS_STREAM, "TSV", "default");
    await().atMost(Duration.ofSeconds(30)).until(() -> s3.pendingMultipartUploads(BUCKET) == 1);

    s3.stop();
    Execution done;
    try {
      done = stack.awaitEnd(id);
      assertThat(done.error()).startsWith("storing the result failed");
    } finally {
      s3.start();
    }

    assertFailedWithNothingStored(done, "storing the result failed");
    await().atMost(Duration.ofSeconds(5)).until(() -> !WorkerStack.clickHouseRuns(id));
  }

  private static void assertFailedWithNothingStored(Execution done, String message) {
    assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(done.error()).contains(message);
    assertThat(done.result()).isNull();
    // An abort that met a stopped S3 is done again once it is back.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(s3.pendingMultipartUploads(BUCKET)).isZero();
              assertThat(s3.keys(BUCKET)).isEmpty();
            });
  }

  private static int clickHouseStatus(String sql) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(clickhouse.httpUrl())
                  .POST(HttpRequest.BodyPublishers.ofString(sql))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }
}
