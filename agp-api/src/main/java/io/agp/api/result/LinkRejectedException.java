package io.agp.api.result;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

/** A signed result link that is tampered with or expired: 403. */
class LinkRejectedException extends ApiProblem {

  LinkRejectedException(String message) {
    super(HttpStatus.FORBIDDEN, message);
  }
}
