package io.agp.api.auth;

import java.util.Set;

/**
 * Who sent a request.
 *
 * @param user the name executions are created under
 * @param tiers the tiers the caller may create executions in; null for every tier (auth off)
 * @param preferredTier the tier of a create that names none (the token's tier claim), or null for
 *     the API's default tier
 * @param admin whether the caller sees and cancels every execution, not only their own
 * @param quotaKey the ClickHouse quota key the caller's token names, or null
 */
public record Caller(
    String user, Set<String> tiers, String preferredTier, boolean admin, String quotaKey) {

  public Caller {
    tiers = tiers == null ? null : Set.copyOf(tiers);
  }

  /** A caller without a token: may use every tier, and is an admin (auth off). */
  static Caller trusted(String user) {
    return new Caller(user, null, null, true, null);
  }

  /** Whether the caller may create executions in the tier. */
  public boolean mayUse(String tier) {
    return tiers == null || tiers.contains(tier);
  }

  /**
   * The user whose executions the caller may read (created or joined), or null for every execution:
   * what the read statements take as {@code :viewer}.
   */
  public String viewer() {
    return admin ? null : user;
  }

  /** The user whose executions the caller may cancel or replace, or null for every execution. */
  public String owner() {
    return admin ? null : user;
  }
}
