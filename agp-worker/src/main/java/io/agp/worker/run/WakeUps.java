package io.agp.worker.run;

/**
 * What a tier's claim loop has reason to claim, from the wake-ups it was given and what its claims
 * found (see {@link ClaimLoop} for the rules). Counting only, no waiting: the loop guards it with
 * its lock, and tests drive it directly.
 */
final class WakeUps {

  /** Wake-ups kept for a busy pool at most: many more than any pool has slots. */
  private static final int MAX_CREDITS = 1 << 20;

  /** The longest lookahead of a claim: the rows of each waiting user it reads stay few. */
  static final int MAX_LOOKAHEAD = 256;

  /** One claim to make: how many, how far to look, and whether wake-ups asked for it. */
  record Claim(int wanted, int lookahead, boolean onWakeUps) {}

  private int credits;
  private int announced;
  private boolean retried;
  private boolean everything;
  private boolean backlog;

  /**
   * {@code executions} new executions (more than none) are this worker's to claim, out of {@code
   * announced} that were dealt out together.
   */
  void dealt(int executions, int announced) {
    credits = (int) Math.min(MAX_CREDITS, (long) credits + executions);
    this.announced = Math.min(MAX_LOOKAHEAD, Math.max(this.announced, announced));
  }

  /** The next claim takes as many as there are free slots. */
  void everything() {
    everything = true;
  }

  /**
   * A slot became free.
   *
   * @return whether a claim is worth making for it: wake-ups or a poll wait, or a backlog may
   */
  boolean slotFreed() {
    if (credits > 0 || backlog || everything) {
      everything |= backlog;
      return true;
    }
    return false;
  }

  /** The claim to make now with {@code free} slots, or null for none; takes what it uses. */
  Claim next(int free) {
    if (free <= 0) {
      return null;
    }
    if (everything) {
      everything = false;
      return new Claim(free, free, false);
    }
    int wanted = Math.min(free, credits);
    return wanted == 0 ? null : new Claim(wanted, Math.max(wanted, announced), true);
  }

  /** What {@code claim}, made with {@code free} slots, found: {@code claimed} executions. */
  void claimed(Claim claim, int free, int claimed) {
    credits = Math.max(0, credits - claimed);
    if (claimed < claim.wanted() && claim.onWakeUps() && !retried) {
      // Once more, looking further: other workers may have locked the rows this one looked at.
      retried = true;
      announced = Math.min(MAX_LOOKAHEAD, claim.lookahead() * 4);
    } else if (claimed < claim.wanted()) {
      // Nothing more is claimable now: the wake-ups left are spent.
      credits = 0;
      retried = false;
      announced = 0;
    } else {
      retried = false;
      announced = credits == 0 ? 0 : announced;
    }
    // As many as there were slots: more may wait behind them.
    backlog = claimed == claim.wanted() && claim.wanted() == free;
  }
}
