package io.agp.api.result;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/** A Range header that starts past the end of the result: 416 with the result's size. */
class RangeNotSatisfiableException extends ApiProblem {

  private final long size;

  RangeNotSatisfiableException(long size) {
    super(
        HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
        "the range is outside the result's " + size + " bytes");
    this.size = size;
    header(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
  }

  long size() {
    return size;
  }
}
