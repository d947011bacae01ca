package io.agp.callback;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Completion callbacks ({@code agp.callbacks.*}). The API reads {@code enabled} and {@code
 * allowed-hosts} to check a create's callback URL; the bookkeeper, which sends the callbacks, reads
 * them all and needs the secret. Workers read none.
 *
 * @param enabled whether creates may name a callback URL, and whether the bookkeeper sends them
 * @param secret the HMAC key that signs each callback ({@code X-AGP-Signature}), at least 32 bytes;
 *     required by the bookkeeper when callbacks are enabled, unused by the API
 * @param allowedHosts hosts (names or IP literals, matched exactly, case aside) that callbacks may
 *     reach over plain http and at private, loopback or otherwise local addresses; every other host
 *     must be https and resolve to public addresses only
 * @param maxAge how long after its execution ended a callback is tried again; once the next try
 *     would come later it is given up (it is always tried at least once)
 * @param backoff the delay after the first failed attempt, doubled after each further one
 * @param maxBackoff the longest delay between two attempts
 * @param connectTimeout the longest wait for the receiver's TCP connection
 * @param readTimeout the longest an attempt lasts once connected: TLS handshake, sending the body
 *     and the head of the receiver's final answer (after any interim 1xx ones)
 * @param batchSize callbacks claimed and sent at once by one bookkeeper
 * @param interval pause between two rounds of the bookkeeper's sender
 * @param timeLimit a round stops claiming batches after this long; the next round goes on
 */
@Validated
@ConfigurationProperties("agp.callbacks")
public record CallbackProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("") String secret,
    @DefaultValue List<String> allowedHosts,
    @DefaultValue("24h") @NotNull Duration maxAge,
    @DefaultValue("5s") @NotNull Duration backoff,
    @DefaultValue("1h") @NotNull Duration maxBackoff,
    @DefaultValue("3s") @NotNull Duration connectTimeout,
    @DefaultValue("5s") @NotNull Duration readTimeout,
    @DefaultValue("50") @Min(1) int batchSize,
    @DefaultValue("1s") @NotNull Duration interval,
    @DefaultValue("30s") @NotNull Duration timeLimit) {

  /** The shortest secret that signs callbacks. */
  public static final int MIN_SECRET_BYTES = 32;

  public CallbackProperties {
    secret = secret == null ? "" : secret;
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }

  /** The secret as the key of the signatures; fails when it is too short to sign with. */
  public byte[] signingKey() {
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    if (key.length < MIN_SECRET_BYTES) {
      throw new IllegalStateException(
          "agp.callbacks.secret must have at least "
              + MIN_SECRET_BYTES
              + " bytes when agp.callbacks.enabled is true: it signs every callback");
    }
    return key;
  }

  @Override
  public String toString() {
    return "CallbackProperties[enabled="
        + enabled
        + ", secret=(hidden), allowedHosts="
        + allowedHosts
        + ", maxAge="
        + maxAge
        + ", backoff="
        + backoff
        + ", maxBackoff="
        + maxBackoff
        + ", connectTimeout="
        + connectTimeout
        + ", readTimeout="
        + readTimeout
        + ", batchSize="
        + batchSize
        + ", interval="
        + interval
        + ", timeLimit="
        + timeLimit
        + "]";
  }
}
