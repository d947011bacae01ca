package io.agp.results;

/**
 * How many connections to an S3 store an app needs at most, when {@code
 * agp.results.s3.max-connections} does not say: each app declares one from what it runs at once
 * (the API its downloads, a worker its tiers' slots, the bookkeeper its sweeps). An app that
 * declares none gets {@link S3Options#DEFAULT_MAX_CONNECTIONS}.
 */
public record StoreConnections(int count) {

  /**
   * The API: every download streams from its own connection for as long as it lasts, and slow
   * clients make downloads last; 256 at once per instance before one waits for a connection.
   */
  public static final StoreConnections API = new StoreConnections(256);

  /** The bookkeeper: its sweeps and expiries list and delete a few objects at a time. */
  public static final StoreConnections BOOKKEEPER = new StoreConnections(16);

  /**
   * A worker running {@code slots} executions at once: each upload sends one part at a time, and a
   * lost attempt deletes what it stored; a margin for both at once.
   */
  public static StoreConnections forWorker(int slots) {
    return new StoreConnections(2 * slots + 8);
  }

  public StoreConnections {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + count);
    }
  }
}
