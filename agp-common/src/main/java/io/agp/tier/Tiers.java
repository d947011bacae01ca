package io.agp.tier;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The configured tiers. */
public final class Tiers {

  private final Map<String, TierProperties> byName;
  private final Map<String, QueryPolicy> policies;

  /**
   * @throws IllegalArgumentException when a tier's lists of what a query may set or reach cannot be
   *     read
   */
  public Tiers(TiersProperties properties) {
    if (properties.tiers().isEmpty()) {
      throw new IllegalStateException("no tier configured: set agp.tiers.<name>.clickhouse.url");
    }
    this.byName = new TreeMap<>(properties.tiers());
    this.policies = new TreeMap<>();
    byName.forEach((name, tier) -> policies.put(name, new QueryPolicy(name, tier)));
  }

  /** What a query of the tier may set and reach (see {@link QueryPolicy}). */
  public QueryPolicy policy(String name) {
    QueryPolicy policy = policies.get(name);
    if (policy == null) {
      throw new UnknownTierException(name, names());
    }
    return policy;
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
