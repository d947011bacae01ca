package io.agp.api.schedule;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

/**
 * The caller already has the most schedules one user may have: 409, since waiting does not help;
 * deleting one does.
 */
class TooManySchedulesException extends ApiProblem {

  TooManySchedulesException(int limit) {
    super(
        HttpStatus.CONFLICT,
        "you have " + limit + " schedules, the most one user may have; delete one first");
    property("limit", limit);
  }
}
