package io.agp.it.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/** Bearer tokens as an identity provider would issue them, and as an attacker would forge them. */
final class Tokens {

  static final String SECRET = "the token secret of the security tests, 32+ bytes";
  static final String ISSUER = "https://id.example.com";
  static final String AUDIENCE = "agp";

  private Tokens() {}

  /** A good token: subject, expiry in ten minutes, issuer, audience, and whatever {@code more}. */
  static String of(String sub, UnaryOperator<JWTClaimsSet.Builder> more) {
    return signed(JWSAlgorithm.HS256, SECRET, more.apply(good(sub)).build());
  }

  static String of(String sub) {
    return of(sub, claims -> claims);
  }

  static String admin(String sub) {
    return of(sub, claims -> claims.claim("roles", List.of("admin")));
  }

  /** The claims of a good token, to change one of them. */
  static JWTClaimsSet.Builder good(String sub) {
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))));
  }

  static String signed(JWSAlgorithm algorithm, String secret, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token with the claims of a good one but no signature at all ({@code "alg": "none"}). */
  static String unsigned(JWTClaimsSet claims) {
    return new PlainJWT(claims).serialize();
  }
}
