package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.StoredResult;
import io.agp.results.RowIndex;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** What the fault tests share: queries with known results, checks, and the recorded figures. */
final class Faults {

  /** Where each fault test writes how long the system took to recover, for bench/README.md. */
  static final Path FIGURES = Path.of("target", "faults-figures.txt");

  private Faults() {}

  /**
   * A query that runs about {@code rows * secondsPerRow} seconds and whose result (CSV) is known in
   * advance: {@link #expected()} computes it without the sleep. Distinct seeds give distinct SQL,
   * so that executions never collapse onto each other.
   */
  record SlowQuery(int seed, int rows, double secondsPerRow) {

    String sql() {
      return String.format(
          Locale.ROOT,
          "SELECT n, toString(cityHash64(n, %d)) AS h FROM (SELECT number AS n FROM numbers(%d)"
              + " WHERE sleepEachRow(%s) = 0 SETTINGS max_block_size = 1) ORDER BY n",
          seed,
          rows,
          secondsPerRow);
    }

    String expected() {
      return ClickHouseTestServer.shared()
          .query(
              String.format(
                  Locale.ROOT,
                  "SELECT number AS n, toString(cityHash64(number, %d)) AS h FROM numbers(%d)"
                      + " ORDER BY n FORMAT CSV",
                  seed,
                  rows));
    }
  }

  /** Creates an execution through the API and returns its id. */
  static long create(ApiClient client, String sql, String tier) {
    String body =
        "{\"sql\":\""
            + sql.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\",\"format\":\"CSV\",\"tier\":\""
            + tier
            + "\"}";
    ApiClient.Reply reply = client.postJson("/v1/async/executions", body);
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  /** The result as the API serves it. */
  static String download(ApiClient client, long id) {
    HttpResponse<InputStream> response = client.download("/v1/async/executions/" + id + "/result");
    try (InputStream in = response.body()) {
      byte[] body = in.readAllBytes();
      assertThat(response.statusCode()).as("download of %d", id).isEqualTo(200);
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until every execution has ended (SUCCEEDED, FAILED or CANCELED) and returns them. */
  static List<Execution> awaitAllEnded(
      ExecutionRepository executions, Collection<Long> ids, Duration timeout) {
    return await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> ids.stream().map(id -> executions.get(id).orElseThrow()).toList(),
            all -> all.stream().allMatch(e -> e.status().isTerminal()));
  }

  /** Queries of AGP ({@code agp-<execution>-<attempt>}) running on the test ClickHouse. */
  static List<String> agpQueriesOnClickHouse() {
    String ids =
        ClickHouseTestServer.shared()
            .query("SELECT query_id FROM system.processes WHERE query_id LIKE 'agp-%' FORMAT TSV")
            .strip();
    return ids.isEmpty() ? List.of() : List.of(ids.split("\n"));
  }

  /** Appends one line to {@link #FIGURES} and prints it. */
  static void recordFigure(String scenario, Duration recovery, String detail) {
    String line =
        String.format(
            Locale.ROOT,
            "%s  %-40s recovery %6.1f s  %s%n",
            Instant.now(),
            scenario,
            recovery.toMillis() / 1000.0,
            detail);
    System.out.print("fault figure: " + line);
    try {
      Files.createDirectories(FIGURES.getParent());
      Files.writeString(
          FIGURES,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The objects under {@code prefix} in the bucket that hold a result of these executions. */
  static List<String> storedKeysOf(
      S3TestServer s3, String bucket, String prefix, List<Execution> executions) {
    return s3.keys(bucket).stream()
        .filter(
            key ->
                executions.stream()
                    .anyMatch(
                        e -> key.startsWith(prefix + "/" + StoredResult.KEY_PREFIX + e.id() + "-")))
        .toList();
  }

  /**
   * Asserts that the stored objects are exactly these results, each with at most its row index
   * (which the worker writes next to a result large enough to page): no other object, and no index
   * whose result is not there.
   */
  static void assertStoredExactly(List<String> stored, List<String> resultKeys) {
    assertThat(stored)
        .filteredOn(key -> !key.endsWith(RowIndex.SUFFIX))
        .containsExactlyInAnyOrderElementsOf(resultKeys);
    assertThat(stored)
        .filteredOn(key -> key.endsWith(RowIndex.SUFFIX))
        .allSatisfy(
            key ->
                assertThat(resultKeys)
                    .contains(key.substring(0, key.length() - RowIndex.SUFFIX.length())));
  }

  static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
