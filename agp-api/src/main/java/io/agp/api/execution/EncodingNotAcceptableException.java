package io.agp.api.execution;

/** A result stored in an encoding the API cannot decode and the client does not accept: 406. */
class EncodingNotAcceptableException extends RuntimeException {

  EncodingNotAcceptableException(long id, String compression) {
    super(
        "the result of execution "
            + id
            + " is stored as "
            + compression
            + "; send Accept-Encoding: "
            + compression
            + " to download it");
  }
}
