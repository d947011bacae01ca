package io.agp.api.auth;

import io.agp.api.ForbiddenException;
import io.agp.tier.Tiers;
import java.util.TreeSet;

/**
 * Which tier a request runs on and whether it may: shared by the creates of executions and the
 * interactive queries, so that both choose and refuse alike.
 */
public final class TierAccess {

  private TierAccess() {}

  /**
   * The tier of a request that names none: the token's tier claim, else the default tier if the
   * caller may use it, else the first of the caller's tiers.
   */
  public static String tierOf(Caller caller, String defaultTier) {
    if (caller.preferredTier() != null) {
      return caller.preferredTier();
    }
    if (caller.mayUse(defaultTier) || caller.tiers().isEmpty()) {
      return defaultTier;
    }
    return new TreeSet<>(caller.tiers()).first();
  }

  /** Refuses (403) a tier the caller's token does not allow. */
  public static void requireUse(Caller caller, String tierName) {
    if (!caller.mayUse(tierName)) {
      throw new ForbiddenException(
          "tier",
          "your token allows the tiers "
              + new TreeSet<>(caller.tiers())
              + ", not '"
              + tierName
              + "'");
    }
  }

  /**
   * Refuses (400) a query whose SQL sets or reaches what the tier does not allow (see {@link
   * io.agp.tier.QueryPolicy}).
   */
  public static void refuseDisallowed(Tiers tiers, String tierName, String sql) {
    tiers.policy(tierName).check(sql);
  }
}
