package io.agp.api.auth;

import io.agp.api.ApiProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Tokens that open one execution's event stream, for a browser's {@code EventSource}, which cannot
 * send a bearer token: minted by an authenticated call, they name the execution, the user (and
 * whether an admin) and a near expiry, signed with HMAC-SHA256 under the link secrets (the first
 * signs, each verifies, as for result links) and a label of their own, so that no result link
 * signature passes for one. Not a JWT: an identity provider's token never goes into a URL, where
 * logs and browser histories keep it.
 */
@Component
public class EventTokens {

  private static final String ALGORITHM = "HmacSHA256";
  private static final String LABEL = "agp-event-stream-token\n";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private final List<SecretKeySpec> keys;
  private final ApiProperties properties;
  private final Clock clock;

  EventTokens(ApiProperties properties, Clock clock) {
    this.properties = properties;
    this.clock = clock;
    List<SecretKeySpec> keys = new ArrayList<>();
    // The secrets' presence and length are checked where result links are (the API won't start).
    for (String secret : properties.linkSecrets()) {
      keys.add(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
    }
    this.keys = List.copyOf(keys);
  }

  /** A minted token and when it stops opening the stream. */
  public record Minted(String token, Instant expiresAt) {}

  /** Who a valid token lets open the stream. */
  record Grant(long executionId, String user, boolean admin) {}

  /** A token that lets the caller open the execution's stream for the configured time. */
  public Minted mint(long executionId, Caller caller) {
    Instant expiresAt =
        clock.instant().plus(properties.cors().eventTokenTtl()).truncatedTo(ChronoUnit.SECONDS);
    String payload =
        executionId
            + "."
            + expiresAt.getEpochSecond()
            + "."
            + (caller.admin() ? "1" : "0")
            + "."
            + ENCODER.encodeToString(caller.user().getBytes(StandardCharsets.UTF_8));
    return new Minted(payload + "." + signature(keys.getFirst(), payload), expiresAt);
  }

  /**
   * The grant of a token for this execution, or empty when it is malformed, not signed by AGP, for
   * another execution, or expired.
   */
  Optional<Grant> check(String token, long executionId) {
    if (token == null || keys.isEmpty()) {
      return Optional.empty();
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 5) {
      return Optional.empty();
    }
    String payload = String.join(".", parts[0], parts[1], parts[2], parts[3]);
    byte[] given = parts[4].getBytes(StandardCharsets.US_ASCII);
    boolean matches = false;
    for (SecretKeySpec key : keys) {
      // Every key is tried, so that the time taken does not tell which one matched.
      matches |=
          MessageDigest.isEqual(signature(key, payload).getBytes(StandardCharsets.US_ASCII), given);
    }
    if (!matches) {
      return Optional.empty();
    }
    try {
      long id = Long.parseLong(parts[0]);
      long expires = Long.parseLong(parts[1]);
      String user = new String(Base64.getUrlDecoder().decode(parts[3]), StandardCharsets.UTF_8);
      if (id != executionId || clock.instant().getEpochSecond() >= expires || user.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Grant(id, user, parts[2].equals("1")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String signature(SecretKeySpec key, String payload) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return ENCODER.encodeToString(
          mac.doFinal((LABEL + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }
}
