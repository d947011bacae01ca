package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code agp run} through a network that gets in the way: a connection cut in the middle of a
 * result's download (it asks for the rest and writes the same bytes as a download never cut), a
 * proxy that cannot pass live events on (it follows the execution by waiting gets).
 */
class FlakyNetworkTest {

  private static final long CUT_AFTER = 1 << 20;

  private final ClientsStack stack = ClientsStack.shared();
  private final String token = ClientsStack.token("resume-user");

  @TempDir Path folder;

  /**
   * Tier {@code default} stores the result as it is, so the rest comes as a range ({@code 206}) and
   * nothing is sent twice; tier {@code gzip} stores it compressed and the API decodes it on the
   * fly, which cannot be ranged: it sends the whole again ({@code 200}) and the client skips what
   * it already has.
   */
  @ParameterizedTest
  @ValueSource(strings = {"default", "gzip"})
  void aDownloadCutInTheMiddleGoesOnAndEndsByteForByte(String tier) throws Exception {
    String sql =
        "SELECT number, toString(number * 7) AS s FROM numbers(400000) -- " + UUID.randomUUID();
    Path file = folder.resolve(tier + ".csv");

    AgpCli.Run run;
    long relayed;
    String requests;
    try (FaultyProxy proxy = new FaultyProxy(URI.create(stack.url()), CUT_AFTER, false)) {
      AgpCli agp = AgpCli.of(proxy.url()).with("AGP_TOKEN", token);
      run = agp.run("run", sql, "--tier", tier, "--format", "CSV", "-o", file.toString());
      assertThat(proxy.hasCut()).isTrue();
      relayed = proxy.relayed();
      requests = proxy.requests();
    }

    assertThat(run.exit()).as(run.err()).isZero();
    String id = run.errLines().getFirst().replaceFirst("^#(\\d+) .*", "$1");
    byte[] uncut = download(id);
    assertThat(uncut.length).isGreaterThan((int) (4 * CUT_AFTER));
    assertThat(Files.mismatch(file, write(uncut))).isEqualTo(-1);
    assertThat(requests).contains("Range: bytes=");
    if (tier.equals("default")) {
      assertThat(relayed).isLessThan(uncut.length + CUT_AFTER / 2);
    } else {
      assertThat(relayed).isGreaterThan(uncut.length + CUT_AFTER);
    }
  }

  @Test
  void withoutLiveEventsItFollowsTheExecutionByWaiting() throws Exception {
    AgpCli.Run run;
    String requests;
    try (FaultyProxy proxy = new FaultyProxy(URI.create(stack.url()), Long.MAX_VALUE, true)) {
      AgpCli agp = AgpCli.of(proxy.url()).with("AGP_TOKEN", token);
      run = agp.run("run", "SELECT sleep(2), 'waited' -- " + UUID.randomUUID(), "--format", "TSV");
      requests = proxy.requests();
    }

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("0\twaited\n");
    assertThat(run.errLines().getLast()).contains(" SUCCEEDED: 1 row");
    assertThat(requests)
        .contains("/events HTTP/1.1")
        .containsPattern("GET /v1/async/executions/\\d+\\?wait=30 ");
  }

  private byte[] download(String id) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(stack.url() + "/v1/async/executions/" + id + "/result"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private Path write(byte[] bytes) throws IOException {
    return Files.write(folder.resolve("uncut"), bytes);
  }
}
