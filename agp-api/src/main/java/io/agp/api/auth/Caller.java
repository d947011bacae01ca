package io.agp.api.auth;

/**
 * Who sent a request.
 *
 * @param user the name executions are created under
 * @param tier the tier the caller's token allows, or null when the request chooses (auth off)
 * @param admin whether the caller sees and cancels every execution, not only their own
 */
public record Caller(String user, String tier, boolean admin) {

  /** Whether the caller may see an execution created by {@code createdBy}. */
  public boolean maySee(String createdBy) {
    return admin || user.equals(createdBy);
  }
}
