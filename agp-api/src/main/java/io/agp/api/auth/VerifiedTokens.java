package io.agp.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Tokens verified once and then known by their text for a while: a dashboard sends the same token
 * with every poll, and checking its signature and claims again each time was a third of what a get
 * of a settled execution cost in JWT mode. Only a token that passed every check is kept, under its
 * exact text (a token changed by one character is another key, verified afresh), and for at most
 * {@link #KEPT} and never past its {@code exp}: an expired token is verified again, and refused. A
 * key withdrawn from the issuer's key set stops the tokens it signed within that time.
 */
final class VerifiedTokens implements JwtDecoder {

  /** How long a verified token is trusted without being verified again, at most. */
  static final Duration KEPT = Duration.ofSeconds(60);

  private static final int MAX_TOKENS = 10_000;

  private final JwtDecoder verifier;
  private final Cache<String, Jwt> verified;

  VerifiedTokens(JwtDecoder verifier) {
    this.verifier = verifier;
    this.verified =
        Caffeine.newBuilder()
            .maximumSize(MAX_TOKENS)
            .expireAfter(Expiry.creating((String token, Jwt jwt) -> keptFor(jwt, Instant.now())))
            .build();
  }

  @Override
  public Jwt decode(String token) throws JwtException {
    Jwt jwt = verified.getIfPresent(token);
    if (jwt != null) {
      return jwt;
    }
    jwt = verifier.decode(token);
    verified.put(token, jwt);
    return jwt;
  }

  /** Until its expiry, within {@link #KEPT}; a token without one is not kept. */
  static Duration keptFor(Jwt jwt, Instant now) {
    Instant expiresAt = jwt.getExpiresAt();
    if (expiresAt == null || !expiresAt.isAfter(now)) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(now, expiresAt);
    return left.compareTo(KEPT) < 0 ? left : KEPT;
  }
}
