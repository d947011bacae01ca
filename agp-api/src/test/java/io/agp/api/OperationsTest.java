package io.agp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.TestApi;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What an operator sees: Prometheus counters per outcome and tier, and a readiness probe. */
class OperationsTest {

  private final TestApi api = TestApi.shared();
  private final HttpClient http = HttpClient.newHttpClient();

  private String fetch(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(api.url(path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Test
  void prometheusCountsCreatesPerOutcomeAndTier() throws Exception {
    String sql = "SELECT '" + UUID.randomUUID() + "'";
    api.client.postJson(
        "/v1/async/executions", "{\"sql\": \"%s\", \"tier\": \"gold\"}".formatted(sql));
    api.client.postJson(
        "/v1/async/executions", "{\"sql\": \"%s\", \"tier\": \"gold\"}".formatted(sql));
    api.client.postJson("/v1/async/executions", "{\"sql\": \"\", \"tier\": \"gold\"}");

    String metrics = fetch("/actuator/prometheus");

    assertThat(metrics)
        .containsPattern("agp_api_executions_total\\{[^}]*outcome=\"created\",tier=\"gold\"}")
        .containsPattern("agp_api_executions_total\\{[^}]*outcome=\"collapsed\",tier=\"gold\"}")
        .containsPattern("agp_api_executions_total\\{[^}]*outcome=\"rejected\",tier=\"gold\"}")
        .contains("http_server_requests_seconds");
  }

  @Test
  void servesTheContractAndTheSwaggerUi() throws Exception {
    assertThat(fetch("/v1/async/api.yaml"))
        .startsWith("openapi: 3.0.3")
        .as("the three APIs, in the one contract the Swagger UI shows")
        .contains("\n  /v1/async/executions:", "\n  /v1/sync/run:", "\n  /v1/chproxy/:");
    HttpResponse<String> ui =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build()
            .send(
                HttpRequest.newBuilder(api.url("/v1/async/docs/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.body()).containsIgnoringCase("swagger");
  }

  @Test
  void readinessChecksPostgres() throws Exception {
    String readiness = fetch("/actuator/health/readiness");

    assertThat(readiness).contains("\"status\":\"UP\"").contains("\"db\"");
  }
}
