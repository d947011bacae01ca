package io.agp.api.execution;

/** This API instance already holds as many waiting requests as it may: 429. */
class TooManyWatchersException extends RuntimeException {

  TooManyWatchersException(int max) {
    super(
        "this API instance already holds "
            + max
            + " waiting requests; try again shortly, or poll without wait");
  }
}
