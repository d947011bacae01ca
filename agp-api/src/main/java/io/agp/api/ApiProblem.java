package io.agp.api;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A refusal of the API that carries its own answer: the status, the detail, the fields of the
 * problem ({@code field}, {@code execution_id}, ...) and its headers ({@code Retry-After}, ...).
 * Spring answers it as {@code application/problem+json} wherever it is thrown in a request, so a
 * new refusal is one class and no handler.
 */
public abstract class ApiProblem extends ErrorResponseException {

  protected ApiProblem(HttpStatus status, String detail) {
    this(status, detail, null);
  }

  protected ApiProblem(HttpStatus status, String detail, Throwable cause) {
    super(status, problem(status, detail), cause);
  }

  private static ProblemDetail problem(HttpStatus status, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("about:blank"));
    return problem;
  }

  /** Adds a field to the problem; a null value adds nothing. */
  protected final void property(String name, Object value) {
    if (value != null) {
      getBody().setProperty(name, value);
    }
  }

  /** Sends a header with the problem. */
  protected final void header(String name, String value) {
    getHeaders().set(name, value);
  }

  /** The detail alone, as logs and callers read it (Spring's would add the status). */
  @Override
  public String getMessage() {
    return getBody().getDetail();
  }
}
