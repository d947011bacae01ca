package io.agp.tier;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The configured tiers. */
public final class Tiers {

  private final Map<String, TierProperties> byName;
  private final Map<String, Set<String>> lockedSettings;

  public Tiers(TiersProperties properties) {
    if (properties.tiers().isEmpty()) {
      throw new IllegalStateException("no tier configured: set agp.tiers.<name>.clickhouse.url");
    }
    this.byName = new TreeMap<>(properties.tiers());
    this.lockedSettings = new TreeMap<>();
    byName.forEach((name, tier) -> lockedSettings.put(name, tier.effectiveLockedSettings()));
  }

  /** The settings a query of the tier may not set itself (see {@link TierProperties}). */
  public Set<String> lockedSettings(String name) {
    Set<String> locked = lockedSettings.get(name);
    if (locked == null) {
      throw new UnknownTierException(name, names());
    }
    return locked;
  }

  public Optional<TierProperties> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public TierProperties get(String name) {
    return find(name).orElseThrow(() -> new UnknownTierException(name, names()));
  }

  public Set<String> names() {
    return byName.keySet();
  }
}
