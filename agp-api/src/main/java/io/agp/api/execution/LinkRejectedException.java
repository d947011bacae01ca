package io.agp.api.execution;

/** A signed result link that is tampered with or expired: 403. */
class LinkRejectedException extends RuntimeException {

  LinkRejectedException(String message) {
    super(message);
  }
}
