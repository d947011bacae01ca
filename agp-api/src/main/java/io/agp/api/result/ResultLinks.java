package io.agp.api.result;

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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Signs and checks result links: HMAC-SHA256 over the execution id and the expiry, so that a link
 * downloads one result until it expires and nothing else, without a token. The first of the
 * configured secrets signs; each of them verifies, so that a secret can be rotated (add the new one
 * first, drop the old one once its links have expired) without breaking links already handed out.
 */
@Component
class ResultLinks {

  private static final String ALGORITHM = "HmacSHA256";

  /** The shortest secret: as many bytes as the HMAC's output, so that it is no weaker than it. */
  static final int MIN_SECRET_BYTES = 32;

  private final List<SecretKeySpec> keys;
  private final Clock clock;
  private final ApiProperties properties;

  ResultLinks(ApiProperties properties, Clock clock) {
    this.properties = properties;
    this.clock = clock;
    this.keys = keys(properties.linkSecrets());
  }

  /** The HMAC keys of the configured secrets, the signing one first; refuses weak or none. */
  static List<SecretKeySpec> keys(List<String> secrets) {
    if (secrets.isEmpty()) {
      throw new IllegalStateException(
          "agp.api.link-secrets is not set: give at least one secret of "
              + MIN_SECRET_BYTES
              + " bytes or more, the same on every API instance (signed result links are checked"
              + " with it)");
    }
    List<SecretKeySpec> keys = new ArrayList<>();
    for (int i = 0; i < secrets.size(); i++) {
      byte[] secret = secrets.get(i).getBytes(StandardCharsets.UTF_8);
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalStateException(
            "agp.api.link-secrets["
                + i
                + "] has "
                + secret.length
                + " bytes; a link secret needs at least "
                + MIN_SECRET_BYTES);
      }
      keys.add(new SecretKeySpec(secret, ALGORITHM));
    }
    return List.copyOf(keys);
  }

  /** A signed link's query: when it expires and its signature. */
  record Signed(long id, Instant expiresAt, String signature) {}

  /** A link valid for the configured time from now. */
  Signed sign(long id) {
    return sign(id, clock.instant().plus(properties.linkTtl()));
  }

  /** A link valid until the given instant (to the second). */
  Signed sign(long id, Instant until) {
    Instant expiresAt = until.truncatedTo(ChronoUnit.SECONDS);
    return new Signed(id, expiresAt, signature(keys.getFirst(), id, expiresAt.getEpochSecond()));
  }

  /** Throws a 403 problem unless the signature is ours and the link has not expired. */
  void check(long id, Long expires, String signature) {
    if (expires == null || signature == null) {
      throw new LinkRejectedException("the link lacks its expiry or signature");
    }
    byte[] given = signature.getBytes(StandardCharsets.US_ASCII);
    boolean matches = false;
    for (SecretKeySpec key : keys) {
      // Every key is tried, so that the time taken does not tell which one matched.
      matches |=
          MessageDigest.isEqual(
              signature(key, id, expires).getBytes(StandardCharsets.US_ASCII), given);
    }
    if (!matches) {
      throw new LinkRejectedException("the link's signature does not match");
    }
    if (clock.instant().getEpochSecond() >= expires) {
      throw new LinkRejectedException("the link has expired");
    }
  }

  private static String signature(SecretKeySpec key, long id, long expiresEpochSecond) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] digest =
          mac.doFinal((id + ":" + expiresEpochSecond).getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }
}
