package io.agp.api.execution;

import io.agp.api.UserLimits;
import io.agp.api.auth.InvalidCallerException;
import io.agp.api.interactive.TooManyInteractiveQueriesException;
import io.agp.clickhouse.ClickHouseException;
import io.agp.results.NoSuchResultException;
import io.agp.tier.QueryRefusedException;
import io.agp.tier.UnknownTierException;
import io.agp.tier.UnsupportedQueryException;
import java.net.URI;
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
 * Maps domain exceptions to {@code application/problem+json}. Spring's own (unsupported media type
 * or method, type mismatch, unknown path) are mapped by the base class; anything unexpected is a
 * 500 problem whose detail says nothing of the code, while the log has the stack trace.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  @ExceptionHandler
  ProblemDetail notFound(ExecutionNotFoundException e) {
    return problem(HttpStatus.NOT_FOUND, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail invalid(InvalidRequestException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    if (e.field() != null) {
      problem.setProperty("field", e.field());
    }
    return problem;
  }

  @ExceptionHandler
  ProblemDetail unknownTier(UnknownTierException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setProperty("field", "tier");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail tooLarge(SqlTooLargeException e) {
    ProblemDetail problem = problem(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    problem.setProperty("field", "sql");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail conflict(QueryIdConflictException e) {
    ProblemDetail problem = problem(HttpStatus.CONFLICT, e.getMessage());
    if (e.executionId() != null) {
      problem.setProperty("execution_id", e.executionId());
    }
    problem.setProperty("field", "query_id");
    return problem;
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> tooManyInFlight(TooManyInFlightException e) {
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.getMessage()));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> tooManyOfOneUser(UserLimits.TooManyOpenException e) {
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()))
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.getMessage()));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> tooManyWatchers(TooManyWatchersException e) {
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, "1")
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.getMessage()));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> tooManyInteractive(TooManyInteractiveQueriesException e) {
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(
            HttpHeaders.RETRY_AFTER,
            Long.toString(TooManyInteractiveQueriesException.RETRY_AFTER_SECONDS))
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.getMessage()));
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
  ProblemDetail notInFlight(ExecutionNotInFlightException e) {
    ProblemDetail problem = problem(HttpStatus.CONFLICT, e.getMessage());
    problem.setProperty("execution_id", e.id());
    return problem;
  }

  @ExceptionHandler
  ProblemDetail noResult(ResultNotAvailableException e) {
    return problem(e.gone() ? HttpStatus.GONE : HttpStatus.NOT_FOUND, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail notPreviewable(ResultNotPreviewableException e) {
    log.warn("{}: {}", e.getMessage(), e.getCause().toString());
    return problem(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail missingObject(NoSuchResultException e) {
    // The row says SUCCEEDED but the object is gone: expiry is under way.
    return problem(HttpStatus.GONE, "the result is no longer stored");
  }

  @ExceptionHandler
  ProblemDetail forbidden(ForbiddenException e) {
    ProblemDetail problem = problem(HttpStatus.FORBIDDEN, e.getMessage());
    if (e.field() != null) {
      problem.setProperty("field", e.field());
    }
    return problem;
  }

  @ExceptionHandler
  ProblemDetail linkRejected(LinkRejectedException e) {
    return problem(HttpStatus.FORBIDDEN, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail notAcceptable(EncodingNotAcceptableException e) {
    return problem(HttpStatus.NOT_ACCEPTABLE, e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> badRange(RangeNotSatisfiableException e) {
    return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
        .header(HttpHeaders.CONTENT_RANGE, "bytes */" + e.size())
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, e.getMessage()));
  }

  @ExceptionHandler
  ProblemDetail invalidCaller(InvalidCallerException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setProperty("field", e.field());
    return problem;
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
