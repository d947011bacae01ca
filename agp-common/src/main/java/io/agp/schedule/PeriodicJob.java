package io.agp.schedule;

import java.time.Duration;

/**
 * Work done again and again while an application runs, one bounded round at a time, at a fixed
 * pause between the end of a round and the start of the next. {@link JobRunner} runs it; tests call
 * {@link #runOnce} directly.
 */
public interface PeriodicJob {

  /** A short name for logs, the job's thread and its metrics, e.g. {@code expiry}. */
  String name();

  /** The pause between the end of one round and the start of the next. */
  Duration interval();

  /** Does one round and says what it did (logged at debug), or null. */
  Object runOnce();

  /** A job of a name and an interval whose round is {@code round}. */
  static PeriodicJob of(String name, Duration interval, Runnable round) {
    return new PeriodicJob() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Duration interval() {
        return interval;
      }

      @Override
      public Object runOnce() {
        round.run();
        return null;
      }
    };
  }
}
