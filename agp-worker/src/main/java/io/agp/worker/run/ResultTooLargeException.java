package io.agp.worker.run;

class ResultTooLargeException extends RuntimeException {

  ResultTooLargeException(long maxBytes) {
    super("the result is larger than the tier's maximum of " + maxBytes + " bytes");
  }
}
