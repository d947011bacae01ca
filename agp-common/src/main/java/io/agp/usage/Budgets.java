package io.agp.usage;

import io.agp.jdbc.SqlFile;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The daily budgets of the tiers ({@link TierProperties.Budgets}): counts a run against them and
 * refuses one past them, and tells what remains.
 *
 * <p>The day is the UTC day of the injected clock; its budgets reset at the next midnight UTC. Runs
 * are counted by the statement that admits them ({@code charge_budget.sql}), in the caller's
 * transaction: a refusal throws {@link BudgetExceededException}, and the caller's rollback takes
 * the run away again (and whatever the transaction created with it). Bytes read and server time
 * come from {@code usage_days}, which the bookkeeper folds from the ends of queries every {@code
 * agp.bookkeeper.usage.interval}: those two budgets see a query once it ended and was folded, so a
 * day may overrun them by the queries running (or not yet folded) when they are reached. A running
 * query is never stopped by its own overrun; its cost counts.
 */
public class Budgets {

  private static final String CHARGE_BUDGET = SqlFile.load("usage/charge_budget");
  private static final String READ_BUDGET = SqlFile.load("usage/read_budget");

  /** The owner of the row of a whole tier in budget_days. */
  private static final String TIER_OWNER = "";

  /** What a budget bounds, as the API names it. */
  public enum Kind {
    EXECUTIONS,
    BYTES_READ,
    SERVER_SECONDS;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * A figure of this kind as the API shows it: runs and bytes as they are, server time (held in
     * milliseconds) in seconds, with a fraction only when there is one.
     */
    public Number shown(long figure) {
      if (this != SERVER_SECONDS || figure % 1000 == 0) {
        return this == SERVER_SECONDS ? figure / 1000 : figure;
      }
      return BigDecimal.valueOf(figure, 3).stripTrailingZeros();
    }
  }

  /** Whose budget: each user's, or the tier's as a whole. */
  public enum Scope {
    USER,
    TIER;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One budget of a day: its limit and what is used of it (runs, bytes, or server milliseconds).
   */
  public record Line(Scope scope, Kind kind, long limit, long used) {

    /** What remains, never below zero. */
    public long remaining() {
      return Math.max(0, limit - used);
    }
  }

  /**
   * The budgets of a user on a tier on one day, those configured only; none when the tier has no
   * budget.
   */
  public record State(String tier, LocalDate day, Instant resetsAt, List<Line> lines) {

    public State {
      lines = List.copyOf(lines);
    }

    /** The smaller of what remains of the user's and the tier's budget of this kind, if any. */
    public OptionalLong remaining(Kind kind) {
      return lines.stream().filter(line -> line.kind() == kind).mapToLong(Line::remaining).min();
    }
  }

  /** A row of budget_days with the day's usage beside it. */
  private record Spent(long runs, long readBytes, long serverMillis) {

    static final Spent NOTHING = new Spent(0, 0, 0);
  }

  private final JdbcClient jdbc;
  private final Tiers tiers;
  private final Clock clock;

  public Budgets(JdbcClient jdbc, Tiers tiers, Clock clock) {
    this.jdbc = jdbc;
    this.tiers = tiers;
    this.clock = clock;
  }

  /** Whether the tier has a budget, of its users or of its own; false for an unknown tier. */
  public boolean any(String tier) {
    return tiers.find(tier).map(properties -> properties.budgets().any()).orElse(false);
  }

  /** Whether any tier has a budget. */
  public boolean anyTier() {
    return tiers.names().stream().anyMatch(this::any);
  }

  /** Today's UTC day by the clock. */
  public LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /**
   * Counts one run of {@code user} on {@code tier} against today's budgets, in one statement, and
   * returns what remains after it. Call it in a transaction when it may refuse: the refused run is
   * counted until that transaction rolls back, and its rows stay locked until it ends.
   *
   * @throws BudgetExceededException when a budget of the user or the tier is spent; the caller's
   *     transaction must roll back
   */
  public State charge(String tier, String user) {
    TierProperties.Budgets budgets = tiers.get(tier).budgets();
    LocalDate day = today();
    Map<String, Spent> rows = query(CHARGE_BUDGET, tier, user, day, budgets.tier().any());
    State state = state(tier, user, day, budgets, rows);
    for (Line line : state.lines()) {
      // The runs include this one, which may be the last the budget allows. Bytes and time are
      // those of runs that ended: the budget is spent once they reach it.
      boolean spent =
          line.kind() == Kind.EXECUTIONS ? line.used() > line.limit() : line.used() >= line.limit();
      if (spent) {
        long used = line.kind() == Kind.EXECUTIONS ? line.used() - 1 : line.used();
        throw new BudgetExceededException(
            tier, user, new Line(line.scope(), line.kind(), line.limit(), used), state.resetsAt());
      }
    }
    return state;
  }

  /** What remains today of the budgets of {@code user} on {@code tier}, counting nothing. */
  public State read(String tier, String user) {
    TierProperties.Budgets budgets = tiers.get(tier).budgets();
    LocalDate day = today();
    return state(
        tier, user, day, budgets, query(READ_BUDGET, tier, user, day, budgets.tier().any()));
  }

  private Map<String, Spent> query(
      String sql, String tier, String user, LocalDate day, boolean tierWide) {
    Map<String, Spent> rows = new HashMap<>();
    jdbc.sql(sql)
        .param("day", day)
        .param("tier", tier)
        .param("owner", user)
        .param("tierWide", tierWide)
        .query(
            rs -> {
              rows.put(
                  rs.getString("owner"),
                  new Spent(rs.getLong("runs"), rs.getLong("read_bytes"), rs.getLong("server_ms")));
            });
    return rows;
  }

  private static State state(
      String tier,
      String user,
      LocalDate day,
      TierProperties.Budgets budgets,
      Map<String, Spent> rows) {
    List<Line> lines = new ArrayList<>();
    add(lines, Scope.USER, budgets.user(), rows.getOrDefault(user, Spent.NOTHING));
    add(lines, Scope.TIER, budgets.tier(), rows.getOrDefault(TIER_OWNER, Spent.NOTHING));
    Instant resetsAt = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return new State(tier, day, resetsAt, lines);
  }

  private static void add(
      List<Line> lines, Scope scope, TierProperties.Budget budget, Spent spent) {
    if (budget.executions() != null) {
      lines.add(new Line(scope, Kind.EXECUTIONS, budget.executions(), spent.runs()));
    }
    if (budget.bytesRead() != null) {
      lines.add(new Line(scope, Kind.BYTES_READ, budget.bytesRead().toBytes(), spent.readBytes()));
    }
    if (budget.serverTime() != null) {
      lines.add(
          new Line(
              scope, Kind.SERVER_SECONDS, budget.serverTime().toMillis(), spent.serverMillis()));
    }
  }
}
