package io.agp.api;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Problem+json answers written by servlet filters, which run before Spring MVC's exception
 * handling: the same shape as the handlers' ProblemDetail.
 */
public final class Problems {

  private Problems() {}

  public static void write(
      JsonMapper json, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    if (status == HttpStatus.UNAUTHORIZED) {
      response.setHeader("WWW-Authenticate", "Bearer");
    }
    response.getOutputStream().write(body(json, status, detail));
  }

  /** The problem+json body of a refusal. */
  public static byte[] body(JsonMapper json, HttpStatus status, String detail) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", status.getReasonPhrase());
    problem.put("status", status.value());
    problem.put("detail", detail);
    return json.writeValueAsBytes(problem);
  }
}
