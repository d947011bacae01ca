package io.agp.api.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check itself: it must catch a response that drifts from openapi/api.yaml. */
class ContractCheckTest {

  private static Reply json(int status, String contentType, String body) {
    return new Reply(
        status, Map.of("content-type", contentType), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anExecutionMissingARequiredFieldBreaksTheContract() {
    Reply reply = json(200, "application/json", "{\"id\": 1, \"status\": \"PENDING\"}");

    assertThat(ContractClient.violations("GET", "/v1/async/executions/1", reply)).isNotEmpty();
  }

  @Test
  void anUndocumentedFieldOrStatusBreaksTheContract() {
    Reply reply = json(200, "application/json", "{\"executions\": [], \"cursor\": null, \"x\": 1}");
    assertThat(ContractClient.violations("GET", "/v1/async/executions", reply)).isNotEmpty();

    Reply teapot = json(418, "application/problem+json", "{\"status\": 418, \"title\": \"t\"}");
    assertThat(ContractClient.violations("GET", "/v1/async/executions", teapot)).isNotEmpty();
  }

  @Test
  void aCreatedExecutionWithoutLocationBreaksTheContract() {
    TestApi api = TestApi.shared();
    Reply created = api.client.postSql("/v1/async/executions", "SELECT 'contract check'");
    Map<String, String> headers = new java.util.HashMap<>(created.headers());
    headers.remove("location");

    assertThat(
            ContractClient.violations(
                "POST", "/v1/async/executions", new Reply(201, headers, created.body())))
        .isNotEmpty();
  }
}
