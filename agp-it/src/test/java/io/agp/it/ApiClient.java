package io.agp.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client of the API, as a user's script would be. */
final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();
  private final Function<String, URI> urls;

  ApiClient(Function<String, URI> urls) {
    this.urls = urls;
  }

  record Reply(int status, String contentType, String location, JsonNode json, String text) {}

  Reply postSql(String path, String sql) {
    return send(
        HttpRequest.newBuilder(urls.apply(path))
            .header("Content-Type", "text/plain")
            .header("X-AGP-User", "tester")
            .POST(HttpRequest.BodyPublishers.ofString(sql))
            .build());
  }

  Reply postJson(String path, String json) {
    return send(
        HttpRequest.newBuilder(urls.apply(path))
            .header("Content-Type", "application/json")
            .header("X-AGP-User", "tester")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  Reply post(String path) {
    return send(
        HttpRequest.newBuilder(urls.apply(path))
            .header("X-AGP-User", "tester")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(urls.apply(path)).GET().build());
  }

  HttpResponse<InputStream> download(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(urls.apply(path)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(request, (n, v) -> true)
                  .timeout(Duration.ofSeconds(70))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String contentType = response.headers().firstValue("Content-Type").orElse("");
      JsonNode json = contentType.contains("json") ? JSON.readTree(response.body()) : null;
      return new Reply(
          response.statusCode(),
          contentType,
          response.headers().firstValue("Location").orElse(null),
          json,
          response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
