package io.agp.bookkeeper;

/** One background duty of the bookkeeper; {@link #runOnce} does one bounded round of it. */
public interface Duty {

  /** A name for logs. */
  String name();

  /** Does one round and says what it did. Tests call it directly. */
  Object runOnce();
}
