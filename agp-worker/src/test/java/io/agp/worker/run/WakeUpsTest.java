package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a claim loop claims, from its wake-ups and what its claims found. */
class WakeUpsTest {

  private final WakeUps wakeUps = new WakeUps();

  @Test
  void aWakeUpIsWorthItsExecutionsLookingAsFarAsWereAnnounced() {
    wakeUps.dealt(2, 5);

    WakeUps.Claim claim = wakeUps.next(8);
    assertThat(claim).isEqualTo(new WakeUps.Claim(2, 5, true));
    wakeUps.claimed(claim, 8, 2);

    assertThat(wakeUps.next(8)).isNull();
    assertThat(wakeUps.slotFreed()).isFalse();
  }

  @Test
  void aShortClaimOnWakeUpsIsTriedOnceMoreLookingFurtherThenItsWakeUpsAreSpent() {
    wakeUps.dealt(3, 3);
    WakeUps.Claim first = wakeUps.next(10);
    wakeUps.claimed(first, 10, 1);

    WakeUps.Claim again = wakeUps.next(10);
    assertThat(again).isEqualTo(new WakeUps.Claim(2, 12, true));
    wakeUps.claimed(again, 10, 0);

    assertThat(wakeUps.next(10)).isNull();
  }

  @Test
  void aClaimThatFillsEverySlotMayHaveLeftABacklogThatAFreedSlotClaims() {
    wakeUps.everything();
    WakeUps.Claim all = wakeUps.next(4);
    assertThat(all).isEqualTo(new WakeUps.Claim(4, 4, false));
    wakeUps.claimed(all, 4, 4);
    assertThat(wakeUps.next(0)).isNull();

    assertThat(wakeUps.slotFreed()).isTrue();
    WakeUps.Claim behind = wakeUps.next(1);
    assertThat(behind).isEqualTo(new WakeUps.Claim(1, 1, false));
    wakeUps.claimed(behind, 1, 0);
    assertThat(wakeUps.slotFreed()).isFalse();
  }

  @Test
  void theLookaheadStaysBoundedHoweverManyWereAnnounced() {
    wakeUps.dealt(1, 1_000_000);
    assertThat(wakeUps.next(1).lookahead()).isEqualTo(WakeUps.MAX_LOOKAHEAD);
  }
}
