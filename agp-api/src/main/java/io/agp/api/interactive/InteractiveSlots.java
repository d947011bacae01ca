package io.agp.api.interactive;

import io.agp.tier.TierProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The interactive queries this API instance runs, counted per tier and per user of a tier against
 * the tier's {@code interactive.concurrency} and {@code interactive.concurrency-per-user}. In
 * memory: behind N instances a tier runs up to N times its concurrency, as a worker's concurrency
 * is per worker process.
 */
@Component
class InteractiveSlots {

  private final Map<String, AtomicInteger> perTier = new ConcurrentHashMap<>();
  private final Map<UserKey, AtomicInteger> perUser = new ConcurrentHashMap<>();
  private final MeterRegistry meters;

  InteractiveSlots(MeterRegistry meters) {
    this.meters = meters;
  }

  private record UserKey(String tier, String user) {}

  /** A slot taken; closing it gives it back, once. */
  interface Slot extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes a slot of the tier for the user.
   *
   * @throws TooManyInteractiveQueriesException when the tier or the user has none free
   */
  Slot take(String tier, TierProperties.Interactive limits, String user) {
    AtomicInteger tierCount = perTier.computeIfAbsent(tier, this::newTierCount);
    if (!takeOne(tierCount, limits.concurrency())) {
      throw new TooManyInteractiveQueriesException(
          "tier "
              + tier
              + " runs "
              + limits.concurrency()
              + " interactive queries at once on this server, the most it allows; try again in a"
              + " moment, or create an execution (POST /v1/async/executions), which waits in a"
              + " queue");
    }
    UserKey key = new UserKey(tier, user);
    int perUserLimit = limits.concurrencyPerUser();
    if (perUserLimit > 0) {
      AtomicInteger userCount = perUser.computeIfAbsent(key, k -> new AtomicInteger());
      if (!takeOne(userCount, perUserLimit)) {
        tierCount.decrementAndGet();
        throw new TooManyInteractiveQueriesException(
            "you run "
                + perUserLimit
                + " interactive queries of tier "
                + tier
                + " at once, the most it allows one user; wait for one to end");
      }
    }
    AtomicInteger once = new AtomicInteger();
    return () -> {
      if (once.getAndIncrement() == 0) {
        tierCount.decrementAndGet();
        if (perUserLimit > 0) {
          // A user's counter stays in the map: one entry per user who ever ran one, a few bytes.
          perUser.get(key).decrementAndGet();
        }
      }
    };
  }

  /** Interactive queries of the tier running now. */
  int running(String tier) {
    AtomicInteger count = perTier.get(tier);
    return count == null ? 0 : count.get();
  }

  private static boolean takeOne(AtomicInteger count, int limit) {
    while (true) {
      int now = count.get();
      if (now >= limit) {
        return false;
      }
      if (count.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  private AtomicInteger newTierCount(String tier) {
    AtomicInteger count = new AtomicInteger();
    Gauge.builder("agp.api.interactive.running", count, AtomicInteger::get)
        .description("Interactive queries (sync run and ClickHouse proxy) running now")
        .tag("tier", tier)
        .register(meters);
    return count;
  }
}
