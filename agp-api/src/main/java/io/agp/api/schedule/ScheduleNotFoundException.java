package io.agp.api.schedule;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

/** No schedule of this id that the caller may see: the same 404 whether it exists or not. */
class ScheduleNotFoundException extends ApiProblem {

  ScheduleNotFoundException(long id) {
    super(HttpStatus.NOT_FOUND, "schedule " + id + " does not exist");
  }
}
