package io.agp.api.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client of the API that checks every response (status, headers, body) against {@code
 * openapi/api.yaml}, so that a test fails as soon as the code and the contract disagree.
 */
public final class ContractClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final OpenApiInteractionValidator CONTRACT = contract();

  private final HttpClient http = HttpClient.newHttpClient();
  private final Function<String, URI> urls;

  public ContractClient(Function<String, URI> urls) {
    this.urls = urls;
  }

  public record Reply(int status, Map<String, String> headers, byte[] body) {

    public String header(String name) {
      return headers.get(name.toLowerCase());
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      return JSON.readTree(body);
    }
  }

  public Reply postSql(String path, String sql) {
    return send(
        "POST",
        path,
        HttpRequest.newBuilder()
            .header("Content-Type", "text/plain")
            .header("X-AGP-User", "tester")
            .POST(HttpRequest.BodyPublishers.ofString(sql)));
  }

  public Reply postJson(String path, String json) {
    return postJson(path, json, "tester");
  }

  public Reply postJson(String path, String json, String user) {
    return send(
        "POST",
        path,
        HttpRequest.newBuilder()
            .header("Content-Type", "application/json")
            .header("X-AGP-User", user)
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Reply post(String path) {
    return send("POST", path, HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.noBody()));
  }

  public Reply get(String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder().GET();
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return send("GET", path, builder);
  }

  /** Sends any request; the response is checked against the contract like every other. */
  public Reply send(String method, String path, HttpRequest.Builder builder) {
    Reply reply = sendUnchecked(path, builder);
    check(method, path, reply);
    return reply;
  }

  /**
   * Sends a request the contract cannot describe (a method no path has); the caller checks the
   * response.
   */
  public Reply sendUnchecked(String path, HttpRequest.Builder builder) {
    try {
      HttpResponse<InputStream> response =
          http.send(
              builder.uri(urls.apply(path)).timeout(Duration.ofSeconds(90)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readAllBytes();
      }
      Map<String, String> headers =
          response.headers().map().entrySet().stream()
              .collect(
                  Collectors.toMap(
                      e -> e.getKey().toLowerCase(), e -> String.join(",", e.getValue())));
      return new Reply(response.statusCode(), headers, body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void check(String method, String path, Reply reply) {
    assertThat(violations(method, path, reply))
        .as("%s %s → %d %s breaks openapi/api.yaml", method, path, reply.status(), reply.text())
        .isEmpty();
  }

  /** What in this response the contract does not allow; empty when it conforms. */
  public static List<String> violations(String method, String path, Reply reply) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    SimpleResponse.Builder response = new SimpleResponse.Builder(reply.status());
    reply.headers().forEach(response::withHeader);
    if (reply.body().length > 0) {
      response.withBody(reply.body());
    }
    ValidationReport report =
        CONTRACT.validateResponse(bare, Request.Method.valueOf(method), response.build());
    return report.getMessages().stream().map(ValidationReport.Message::toString).toList();
  }

  private static OpenApiInteractionValidator contract() {
    try (InputStream in =
        ContractClient.class.getClassLoader().getResourceAsStream("static/v1/async/api.yaml")) {
      String spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return OpenApiInteractionValidator.createForInlineApiSpecification(spec).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
