package io.agp.tier;

import io.agp.clickhouse.ClickHouseClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One ClickHouse client per tier, made on first use and closed with the application. */
public final class TierClickHouseClients implements AutoCloseable {

  private final Tiers tiers;
  private final Map<String, ClickHouseClient> clients = new ConcurrentHashMap<>();

  public TierClickHouseClients(Tiers tiers) {
    this.tiers = tiers;
  }

  /** The client of a configured tier; empty for a tier no longer in the configuration. */
  public Optional<ClickHouseClient> find(String tier) {
    return tiers
        .find(tier)
        .map(properties -> clients.computeIfAbsent(tier, t -> properties.clickhouse().newClient()));
  }

  @Override
  public void close() {
    clients.values().forEach(ClickHouseClient::close);
  }
}
