package io.agp.api.auth;

import io.agp.api.ApiProperties;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * A token bucket per user (Bucket4j): each holds {@code burst} requests and refills at {@code
 * requests-per-second}. Kept in this API instance's memory, so behind N replicas a user may send N
 * times the rate; the limit is there to keep one user's script from taking an instance, not to
 * meter. The map grows with the users who called (tokens are signed, so only real users), a few
 * hundred bytes each.
 */
@Component
class RateLimits {

  private final ApiProperties.RateLimit limit;
  private final boolean enabled;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  RateLimits(ApiProperties properties) {
    this.limit = properties.rateLimit();
    // Without tokens there is one trusted caller, and a header anyone can change names them.
    this.enabled =
        properties.auth().mode() == ApiProperties.AuthMode.JWT && limit.requestsPerSecond() > 0;
  }

  boolean enabled() {
    return enabled;
  }

  /**
   * Takes one request from the user's bucket.
   *
   * @return zero when the request may go on, else how long until the bucket holds one again
   */
  Duration take(String user) {
    ConsumptionProbe probe =
        buckets.computeIfAbsent(user, this::newBucket).tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill());
  }

  private Bucket newBucket(String user) {
    return Bucket.builder()
        .addLimit(
            bandwidth ->
                bandwidth
                    .capacity(limit.burst())
                    .refillGreedy(limit.requestsPerSecond(), Duration.ofSeconds(1)))
        .build();
  }
}
