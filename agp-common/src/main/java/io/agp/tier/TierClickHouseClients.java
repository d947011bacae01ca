package io.agp.tier;

import io.agp.clickhouse.ClickHouseClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ClickHouse clients of each tier, one per endpoint, made on first use and closed with the
 * application.
 */
public final class TierClickHouseClients implements AutoCloseable {

  private final Tiers tiers;
  private final Map<String, List<ClickHouseClient>> clients = new ConcurrentHashMap<>();

  public TierClickHouseClients(Tiers tiers) {
    this.tiers = tiers;
  }

  /** The clients of a configured tier's endpoints; empty for a tier no longer configured. */
  public Optional<List<ClickHouseClient>> find(String tier) {
    return tiers
        .find(tier)
        .map(properties -> clients.computeIfAbsent(tier, t -> properties.newClients()));
  }

  @Override
  public void close() {
    clients.values().forEach(list -> list.forEach(ClickHouseClient::close));
  }
}
