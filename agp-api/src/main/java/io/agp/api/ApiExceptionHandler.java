package io.agp.api;

import io.agp.clickhouse.ClickHouseException;
import io.agp.results.NoSuchResultException;
import io.agp.tier.QueryRefusedException;
import io.agp.tier.UnknownTierException;
import io.agp.tier.UnsupportedQueryException;
import io.agp.usage.BudgetExceededException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Maps to {@code application/problem+json} what does not carry its own answer: the refusals of the
 * shared code (an unknown tier, a query the tier refuses, ClickHouse's errors, a result gone from
 * the store) and of the server (a malformed query string, the firewall). The API's own refusals are
 * {@link io.agp.api.ApiProblem}s, and Spring's (unsupported media type or method, unknown path) are
 * mapped by the base class, as is every {@code ErrorResponse}. Anything unexpected is a 500 problem
 * whose detail says nothing of the code, while the log has the stack trace.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  private final Clock clock;

  ApiExceptionHandler(Clock clock) {
    this.clock = clock;
  }

  /**
   * A run refused by a daily budget: which budget, whose, its limit and use, when it resets, and a
   * {@code Retry-After} of the whole seconds until then.
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> budgetSpent(BudgetExceededException e) {
    ProblemDetail problem = problem(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
    problem.setProperty("budget", e.line().kind().text());
    problem.setProperty("scope", e.line().scope().text());
    problem.setProperty("tier", e.tier());
    problem.setProperty("limit", e.line().kind().shown(e.line().limit()));
    problem.setProperty("used", e.line().kind().shown(e.line().used()));
    problem.setProperty("resets_at", e.resetsAt().toString());
    Duration left = Duration.between(clock.instant(), e.resetsAt());
    long seconds = Math.max(1, left.getSeconds() + (left.getNano() > 0 ? 1 : 0));
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  @ExceptionHandler
  ProblemDetail unknownTier(UnknownTierException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setProperty("field", "tier");
    return problem;
  }

  /**
   * A query the tier's ClickHouse cannot run as asked (parameters on a server too old), or that
   * sets or reaches what the tier does not allow (the field names the SQL or the URL parameter).
   */
  @ExceptionHandler
  ProblemDetail unsupported(UnsupportedQueryException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setProperty(
        "field", e instanceof QueryRefusedException refused ? refused.field() : "sql");
    return problem;
  }

  /**
   * ClickHouse refused or failed an interactive query before its answer began: the query's fault
   * (400, with ClickHouse's code), or the server's when it could not be reached or was overloaded
   * (502).
   */
  @ExceptionHandler
  ProblemDetail clickhouse(ClickHouseException e) {
    if (e.isTransient()) {
      return problem(HttpStatus.BAD_GATEWAY, e.getMessage());
    }
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    if (e.code() > 0) {
      problem.setProperty("clickhouse_code", e.code());
    }
    return problem;
  }

  @ExceptionHandler
  ProblemDetail missingObject(NoSuchResultException e) {
    // The row says SUCCEEDED but the object is gone: expiry is under way.
    return problem(HttpStatus.GONE, "the result is no longer stored");
  }

  /** Tomcat refuses to parse a malformed query string (e.g. {@code ?=}) when it is first read. */
  @ExceptionHandler
  ProblemDetail malformedQuery(InvalidParameterException e) {
    return problem(HttpStatus.BAD_REQUEST, "the query string is malformed");
  }

  /**
   * Spring Security's firewall checks parameter names and values when they are first read, so its
   * refusal of a control or non-character reaches the handlers' advice.
   */
  @ExceptionHandler
  ProblemDetail firewall(RequestRejectedException e) {
    return problem(
        HttpStatus.BAD_REQUEST, "a parameter name or value has a character that is not allowed");
  }

  @ExceptionHandler
  ProblemDetail unexpected(Exception e) {
    log.error("request failed", e);
    return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal error; the server log has details");
  }

  @Override
  protected ResponseEntity<Object> handleTypeMismatch(
      TypeMismatchException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    String name =
        e instanceof MethodArgumentTypeMismatchException m ? m.getName() : e.getPropertyName();
    ProblemDetail problem =
        problem(
            HttpStatus.BAD_REQUEST,
            "'"
                + name
                + "' must be "
                + describe(e.getRequiredType())
                + ", got '"
                + e.getValue()
                + "'");
    problem.setProperty("field", name);
    return handleExceptionInternal(e, problem, headers, HttpStatus.BAD_REQUEST, request);
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    return switch (type.getSimpleName()) {
      case "long", "Long", "int", "Integer" -> "an integer";
      case "boolean", "Boolean" -> "true or false";
      default -> "a " + type.getSimpleName();
    };
  }

  private static ProblemDetail problem(HttpStatus status, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("about:blank"));
    return problem;
  }
}
