package io.agp.it.security;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One user of the API with their bearer token (or none), sending requests as a script would. */
final class Caller {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Function<String, URI> urls;
  private final String token;

  Caller(Function<String, URI> urls, String token) {
    this.urls = urls;
    this.token = token;
  }

  record Reply(int status, HttpHeaders headers, byte[] body) {

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      return JSON.readTree(text());
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }

  Reply get(String path) {
    return send(request(path).GET());
  }

  Reply post(String path) {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  Reply postJson(String path, String json) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply postSql(String path, String sql, String... headers) {
    HttpRequest.Builder request = request(path).header("Content-Type", "text/plain");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request.POST(HttpRequest.BodyPublishers.ofString(sql)));
  }

  /** An answer whose body is still coming: a held event stream or download. */
  record Opened(int status, HttpHeaders headers, java.io.InputStream body)
      implements AutoCloseable {

    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /** Sends a GET and returns as soon as the head has come, leaving the body unread. */
  Opened open(String path) {
    try {
      HttpResponse<java.io.InputStream> response =
          HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      return new Opened(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates an execution from JSON; returns the reply whatever its status. */
  Reply create(String json) {
    return postJson("/v1/async/executions", json);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(urls.apply(path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private static Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<byte[]> response =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
