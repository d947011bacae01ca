package io.agp.tier;

import java.util.Set;

/** A request named a tier that is not configured. */
public class UnknownTierException extends RuntimeException {

  private final String tier;

  public UnknownTierException(String tier, Set<String> known) {
    super("unknown tier '" + tier + "'; known tiers: " + String.join(", ", known));
    this.tier = tier;
  }

  public String tier() {
    return tier;
  }
}
