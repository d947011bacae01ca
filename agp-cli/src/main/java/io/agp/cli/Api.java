package io.agp.cli;

import io.agp.client.ApiClient;
import io.agp.client.ApiException;
import io.agp.client.api.ExecutionsApi;
import io.agp.client.api.SchedulesApi;
import io.agp.client.api.UsageApi;
import io.agp.client.model.Problem;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import tools.jackson.core.JacksonException;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.ObjectMapper;

/**
 * The API as the commands see it: the client generated from the contract, and plain requests on the
 * same connection settings for what that client hands over only once it has ended (the live events,
 * a result written as it comes). Every failure becomes a {@link CliException} with the problem's
 * title and detail.
 */
final class Api {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Longer than the longest wait the API grants (60 s). */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(90);

  private final Settings settings;
  private final ApiClient client;
  private final ExecutionsApi executions;
  private final SchedulesApi schedules;
  private final UsageApi usage;
  private final HttpClient http;
  private final String userAgent;

  Api(Settings settings) {
    this.settings = settings;
    this.userAgent = "agp/" + Agp.version();
    // HTTP/1.1: no h2c upgrade for a plain http API, and one stream per connection to resume.
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT);
    this.client =
        new ApiClient(builder, ApiClient.createDefaultObjectMapper(), settings.url().toString());
    client.setReadTimeout(READ_TIMEOUT);
    client.setRequestInterceptor(this::identify);
    this.executions = new ExecutionsApi(client);
    this.schedules = new SchedulesApi(client);
    this.usage = new UsageApi(client);
    this.http = builder.build();
  }

  /** A call of the generated client. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws ApiException;
  }

  /** Runs a call of the generated client; a failure comes out as a {@link CliException}. */
  <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (ApiException e) {
      throw failure(e);
    }
  }

  ExecutionsApi executions() {
    return executions;
  }

  SchedulesApi schedules() {
    return schedules;
  }

  UsageApi usage() {
    return usage;
  }

  ObjectMapper json() {
    return client.getObjectMapper();
  }

  /** JSON for people: indented, {@code "name": value}. */
  String pretty(Object value) {
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""));
    return json().writer().with(printer).writeValueAsString(value);
  }

  HttpClient http() {
    return http;
  }

  URI url() {
    return settings.url();
  }

  /** A plain request for a path of the API, with the caller's credentials. */
  HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + path));
    identify(request);
    return request;
  }

  private void identify(HttpRequest.Builder request) {
    request.setHeader("User-Agent", userAgent);
    if (settings.token() != null) {
      request.setHeader("Authorization", "Bearer " + settings.token());
    }
  }

  CliException failure(ApiException e) {
    if (e.getCode() > 0) {
      return problem(e.getCode(), e.getResponseHeaders(), e.getResponseBody());
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    if (cause instanceof InterruptedException) {
      return new CliException(ExitCode.INTERRUPTED, "interrupted");
    }
    if (cause instanceof JacksonException) {
      return new CliException(
          ExitCode.UNREACHABLE,
          "the answer of " + settings.url() + " is not AGP's: " + cause.getMessage(),
          cause);
    }
    if (cause instanceof IOException io) {
      return unreachable(io);
    }
    return new CliException(ExitCode.FAILED, String.valueOf(cause.getMessage()), cause);
  }

  /** The API answered with an error status: its problem's title and detail. */
  CliException problem(int status, HttpHeaders headers, String body) {
    String message = "HTTP " + status + " from " + settings.url();
    if (body != null && !body.isBlank()) {
      try {
        Problem problem = json().readValue(body, Problem.class);
        if (problem.getTitle() != null) {
          message = describe(problem, status);
        }
      } catch (JacksonException e) {
        // Not a problem document (a proxy's page): the status tells what is known.
      }
    }
    if (status == 429 && headers != null) {
      message +=
          headers.firstValue("Retry-After").map(s -> "; try again in " + s + " s").orElse("");
    }
    return new CliException(status >= 500 ? ExitCode.UNREACHABLE : ExitCode.REFUSED, message);
  }

  private static String describe(Problem problem, int status) {
    StringBuilder text = new StringBuilder(problem.getTitle()).append(" (").append(status);
    text.append(")");
    if (problem.getDetail() != null && !problem.getDetail().isBlank()) {
      text.append(": ").append(problem.getDetail());
    }
    if (problem.getField() != null) {
      text.append(" [").append(problem.getField()).append("]");
    }
    if (problem.getExecutionId() != null
        && !text.toString().contains(String.valueOf(problem.getExecutionId()))) {
      text.append(" (execution ").append(problem.getExecutionId()).append(")");
    }
    return text.toString();
  }

  /** No answer at all: refused, timed out, cut. */
  CliException unreachable(IOException e) {
    String why;
    if (e instanceof HttpConnectTimeoutException) {
      why = "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
    } else if (e instanceof HttpTimeoutException) {
      why = "no answer within " + READ_TIMEOUT.toSeconds() + " s";
    } else if (e instanceof ConnectException) {
      why = "connection refused";
    } else {
      why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    return new CliException(ExitCode.UNREACHABLE, "cannot reach " + settings.url() + ": " + why, e);
  }
}
