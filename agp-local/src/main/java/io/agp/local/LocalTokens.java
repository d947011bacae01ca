package io.agp.local;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/**
 * Tokens for the local mode's JWT mode ({@code --jwt}): signed with the secret of its data folder,
 * as an identity provider would sign them, with the claims the API reads.
 */
final class LocalTokens {

  private LocalTokens() {}

  /**
   * @param user the token's {@code sub}
   * @param tiers the {@code tier} claim, empty for none (the default tier)
   * @param admin whether the token has the admin role
   * @param quotaKey the {@code quota_key} claim, or null
   */
  static String token(
      String secret,
      String user,
      List<String> tiers,
      boolean admin,
      String quotaKey,
      Duration ttl) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(user)
            .issueTime(new Date())
            .expirationTime(Date.from(Instant.now().plus(ttl)));
    if (!tiers.isEmpty()) {
      claims.claim("tier", tiers);
    }
    claims.claim("roles", admin ? List.of("admin") : List.of());
    if (quotaKey != null) {
      claims.claim("quota_key", quotaKey);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** The tiers of a {@code --tier=a,b} option. */
  static List<String> tiers(String option) {
    return option == null || option.isBlank()
        ? List.of()
        : Arrays.stream(option.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
  }
}
