package io.agp.api.result;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

/** A result stored in an encoding the API cannot decode and the client does not accept: 406. */
class EncodingNotAcceptableException extends ApiProblem {

  EncodingNotAcceptableException(long id, String compression) {
    super(
        HttpStatus.NOT_ACCEPTABLE,
        "the result of execution "
            + id
            + " is stored as "
            + compression
            + "; send Accept-Encoding: "
            + compression
            + " to download it");
  }
}
