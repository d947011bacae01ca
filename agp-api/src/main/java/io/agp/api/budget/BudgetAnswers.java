package io.agp.api.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.agp.usage.Budgets;
import java.time.Duration;
import java.util.OptionalLong;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * The daily budgets as the API's answers tell them: the remaining budget in headers of a create, a
 * get and a sync run ({@code AGP-Budget-*-Remaining}, the smaller of the user's and the tier's, and
 * {@code AGP-Budget-Reset}), only for the budgets the tier has.
 *
 * <p>A create or a run that is charged tells what its charge left (no statement more); any other
 * answer reads the budget through a copy kept a second per user and tier, so that a client polling
 * an execution costs no statement per poll, and a tier without budgets costs nothing at all.
 */
@Component
public class BudgetAnswers {

  public static final String EXECUTIONS_REMAINING = "AGP-Budget-Executions-Remaining";
  public static final String BYTES_READ_REMAINING = "AGP-Budget-Bytes-Read-Remaining";
  public static final String SERVER_SECONDS_REMAINING = "AGP-Budget-Server-Seconds-Remaining";
  public static final String RESET = "AGP-Budget-Reset";

  /** How long a read budget is told again without a statement. */
  private static final Duration KEPT = Duration.ofSeconds(1);

  private record Key(String tier, String user) {}

  private final Budgets budgets;
  private final boolean anyTier;
  private final Cache<Key, Budgets.State> kept;

  BudgetAnswers(Budgets budgets) {
    this.budgets = budgets;
    this.anyTier = budgets.anyTier();
    this.kept = Caffeine.newBuilder().expireAfterWrite(KEPT).maximumSize(100_000).build();
  }

  /** Whether any tier has a budget. */
  public boolean anyTier() {
    return anyTier;
  }

  /** Whether the tier has a budget (so that its runs are charged). */
  public boolean any(String tier) {
    return anyTier && budgets.any(tier);
  }

  /**
   * The headers of an answer about a run of the tier the caller did not start now: the caller's
   * remaining budget, read at most a second ago; none when the tier has no budget.
   */
  public HttpHeaders current(String tier, String user) {
    if (!any(tier)) {
      return HttpHeaders.EMPTY;
    }
    return headers(kept.get(new Key(tier, user), key -> budgets.read(key.tier(), key.user())));
  }

  /**
   * The headers of a charged run, whose charge has been committed: they are also what a read of the
   * budget tells for the next second.
   */
  public HttpHeaders charged(Budgets.State state, String user) {
    kept.put(new Key(state.tier(), user), state);
    return headers(state);
  }

  /** The remaining budgets of a state, as headers. */
  static HttpHeaders headers(Budgets.State state) {
    HttpHeaders headers = new HttpHeaders();
    if (state.lines().isEmpty()) {
      return headers;
    }
    set(headers, EXECUTIONS_REMAINING, state, Budgets.Kind.EXECUTIONS);
    set(headers, BYTES_READ_REMAINING, state, Budgets.Kind.BYTES_READ);
    set(headers, SERVER_SECONDS_REMAINING, state, Budgets.Kind.SERVER_SECONDS);
    headers.set(RESET, state.resetsAt().toString());
    return headers;
  }

  private static void set(
      HttpHeaders headers, String name, Budgets.State state, Budgets.Kind kind) {
    OptionalLong remaining = state.remaining(kind);
    if (remaining.isPresent()) {
      headers.set(name, kind.shown(remaining.getAsLong()).toString());
    }
  }
}
