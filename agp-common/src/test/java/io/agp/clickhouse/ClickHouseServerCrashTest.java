package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ClickHouse killed under a running query: the reader must fail, not see a short result. */
class ClickHouseServerCrashTest {

  @Test
  void readerFailsWhenClickHouseDiesMidStreamAndTheNextQueryIsTransient() throws IOException {
    ClickHouseTestServer server = ClickHouseTestServer.shared();
    try (ClickHouseClient client =
        new ClickHouseClient(new ClickHouseEndpoint(server.httpUrl()), Duration.ofSeconds(2))) {
      try (ClickHouseResponse response =
          client.execute(
              ClickHouseClientTest.queryId(),
              "SELECT number FROM system.numbers FORMAT TSV",
              Map.of("max_execution_time", "60"))) {
        InputStream body = response.body();
        assertThat(body.readNBytes(1024 * 1024)).hasSize(1024 * 1024);

        server.stop();

        assertThatThrownBy(() -> ClickHouseClientTest.countLines(body))
            .isInstanceOfAny(IOException.class, ClickHouseException.class);
        assertThatThrownBy(() -> client.execute(null, "SELECT 1", Map.of()))
            .isInstanceOfSatisfying(
                ClickHouseException.class, e -> assertThat(e.isTransient()).isTrue());
      } finally {
        server.start();
      }

      assertThat(server.isRunning()).isTrue();
      assertThat(client.system().version()).isNotBlank();
    }
  }
}
