package io.agp.api.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The system's UTC clock moved by an offset a test sets, e.g. past the next midnight. */
public final class ShiftedClock extends Clock {

  private volatile Duration offset = Duration.ZERO;

  /** Moves the clock so that it now reads {@code instant}, and runs on from there. */
  public void setTo(Instant instant) {
    offset = Duration.between(Instant.now(), instant);
  }

  /** Back to the system's time. */
  public void reset() {
    offset = Duration.ZERO;
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a UTC clock");
  }
}
