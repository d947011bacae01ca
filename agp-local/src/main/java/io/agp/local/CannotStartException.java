package io.agp.local;

/** The local mode cannot start; the message is the one line a person needs to fix it. */
final class CannotStartException extends RuntimeException {

  CannotStartException(String message) {
    super(message);
  }
}
