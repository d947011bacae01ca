package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.Execution;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A PENDING execution's queue position is read again at most once a second per execution. */
class ExecutionOutlookTest extends FreshDatabaseTest {

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aPositionIsKeptForASecondThenReadAgain() {
    String tier = "outlook-" + UUID.randomUUID();
    pending(tier, "alice");
    Execution second = repository.get(pending(tier, "alice")).orElseThrow();
    HandClock clock = new HandClock();
    ExecutionOutlook outlook = new ExecutionOutlook(queries, clock);
    assertThat(outlook.of(second).queuePosition()).isEqualTo(2);

    // The first is claimed: the second is next, which the kept position says a second later.
    assertThat(repository.claim(tier, "w", 1, LEASE)).hasSize(1);
    clock.now = clock.now.plusMillis(999);
    assertThat(outlook.of(second).queuePosition()).isEqualTo(2);
    clock.now = clock.now.plusMillis(1);
    assertThat(outlook.of(second).queuePosition()).isEqualTo(1);
  }
}
