package io.agp.api.execution;

/** A Range header that starts past the end of the result: 416 with the result's size. */
class RangeNotSatisfiableException extends RuntimeException {

  private final long size;

  RangeNotSatisfiableException(long size) {
    super("the range is outside the result's " + size + " bytes");
    this.size = size;
  }

  long size() {
    return size;
  }
}
