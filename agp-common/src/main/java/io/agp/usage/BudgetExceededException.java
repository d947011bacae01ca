package io.agp.usage;

import java.time.Instant;

/**
 * A run refused because a daily budget of its user or tier is spent (see {@link Budgets}): which
 * budget, its limit and use, and when it resets. The transaction that charged the run must roll
 * back.
 */
public class BudgetExceededException extends RuntimeException {

  private final String tier;
  private final String user;
  private final Budgets.Line line;
  private final Instant resetsAt;

  public BudgetExceededException(String tier, String user, Budgets.Line line, Instant resetsAt) {
    super(message(tier, user, line, resetsAt), null, false, false);
    this.tier = tier;
    this.user = user;
    this.line = line;
    this.resetsAt = resetsAt;
  }

  private static String message(String tier, String user, Budgets.Line line, Instant resetsAt) {
    String whose =
        line.scope() == Budgets.Scope.USER
            ? "the daily " + label(line.kind()) + " budget of user " + user + " on tier " + tier
            : "the daily " + label(line.kind()) + " budget of tier " + tier + " (all its users)";
    return whose
        + " is spent: "
        + line.kind().shown(line.used())
        + " used of "
        + line.kind().shown(line.limit())
        + "; it resets at "
        + resetsAt;
  }

  private static String label(Budgets.Kind kind) {
    return switch (kind) {
      case EXECUTIONS -> "executions";
      case BYTES_READ -> "bytes read";
      case SERVER_SECONDS -> "server seconds";
    };
  }

  public String tier() {
    return tier;
  }

  public String user() {
    return user;
  }

  /** The budget spent, with what was used of it before the refused run. */
  public Budgets.Line line() {
    return line;
  }

  public Instant resetsAt() {
    return resetsAt;
  }
}
