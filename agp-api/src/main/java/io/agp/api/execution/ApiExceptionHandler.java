package io.agp.api.execution;

import io.agp.results.NoSuchResultException;
import io.agp.tier.UnknownTierException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Maps domain exceptions to {@code application/problem+json}. Spring's own (unreadable body, type
 * mismatch, unsupported media type) are mapped by the base class.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  @ExceptionHandler
  ProblemDetail notFound(ExecutionNotFoundException e) {
    return problem(HttpStatus.NOT_FOUND, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail invalid(InvalidRequestException e) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setProperty("field", e.field());
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
    problem.setProperty("execution_id", e.inFlight().id());
    problem.setProperty("field", "query_id");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail noResult(ResultNotAvailableException e) {
    return problem(e.gone() ? HttpStatus.GONE : HttpStatus.NOT_FOUND, e.getMessage());
  }

  @ExceptionHandler
  ProblemDetail missingObject(NoSuchResultException e) {
    // The row says SUCCEEDED but the object is gone: expiry is under way.
    return problem(HttpStatus.GONE, "the result is no longer stored");
  }

  private static ProblemDetail problem(HttpStatus status, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("about:blank"));
    return problem;
  }
}
