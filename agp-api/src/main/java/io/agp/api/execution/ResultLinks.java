package io.agp.api.execution;

import io.agp.api.ApiProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Signs and checks result links: HMAC-SHA256 over the execution id and the expiry, so that a link
 * downloads one result until it expires and nothing else, without a token.
 */
@Component
class ResultLinks {

  private static final Logger log = LoggerFactory.getLogger(ResultLinks.class);
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final Clock clock;
  private final ApiProperties properties;

  ResultLinks(ApiProperties properties, Clock clock) {
    this.properties = properties;
    this.clock = clock;
    byte[] secret;
    if (properties.linkSecret() == null || properties.linkSecret().isBlank()) {
      log.warn(
          "agp.api.link-secret is not set: signed result links use a random key and stop working"
              + " when this API restarts, and other API instances reject them");
      secret = new byte[32];
      new SecureRandom().nextBytes(secret);
    } else {
      secret = properties.linkSecret().getBytes(StandardCharsets.UTF_8);
    }
    this.key = new SecretKeySpec(secret, ALGORITHM);
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
    return new Signed(id, expiresAt, signature(id, expiresAt.getEpochSecond()));
  }

  /** Throws a 403 problem unless the signature is ours and the link has not expired. */
  void check(long id, Long expires, String signature) {
    if (expires == null || signature == null) {
      throw new LinkRejectedException("the link lacks its expiry or signature");
    }
    byte[] expected = signature(id, expires).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      throw new LinkRejectedException("the link's signature does not match");
    }
    if (clock.instant().getEpochSecond() >= expires) {
      throw new LinkRejectedException("the link has expired");
    }
  }

  private String signature(long id, long expiresEpochSecond) {
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
