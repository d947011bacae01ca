package io.agp.api.execution;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/** This API instance already holds as many waiting requests as it may: 429. */
class TooManyWatchersException extends ApiProblem {

  TooManyWatchersException(int max) {
    super(
        HttpStatus.TOO_MANY_REQUESTS,
        "this API instance already holds "
            + max
            + " waiting requests; try again shortly, or poll without wait");
    header(HttpHeaders.RETRY_AFTER, "1");
  }
}
