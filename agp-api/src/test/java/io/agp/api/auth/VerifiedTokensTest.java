package io.agp.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Verified tokens are known by their text: the same token is verified once, a changed one is
 * verified (and refused) afresh, and none is trusted past its expiry or for more than a minute.
 */
class VerifiedTokensTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final AtomicInteger verifications = new AtomicInteger();
  private final JwtDecoder tokens = new VerifiedTokens(countingVerifier());

  private JwtDecoder countingVerifier() {
    NimbusJwtDecoder nimbus =
        NimbusJwtDecoder.withSecretKey(
                new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
            .macAlgorithm(MacAlgorithm.HS256)
            .build();
    // No clock skew: an expired token is refused the moment it expires.
    nimbus.setJwtValidator(new JwtTimestampValidator(Duration.ZERO));
    return token -> {
      verifications.incrementAndGet();
      return nimbus.decode(token);
    };
  }

  private static String token(String subject, Instant expiresAt) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(Date.from(expiresAt))
                .build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void theSameTokenIsVerifiedOnceAndAChangedOneAlways() throws Exception {
    String alice = token("alice", Instant.now().plusSeconds(600));
    for (int i = 0; i < 50; i++) {
      assertThat(tokens.decode(alice).getSubject()).isEqualTo("alice");
    }
    assertThat(verifications).hasValue(1);

    // The same claims with a signature changed in its first character, which carries six bits of
    // the signature (the last one may carry padding bits a decoder ignores): refused, every time.
    int signature = alice.lastIndexOf('.') + 1;
    char first = alice.charAt(signature);
    String forged =
        alice.substring(0, signature) + (first == 'A' ? 'B' : 'A') + alice.substring(signature + 1);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> tokens.decode(forged)).isInstanceOf(JwtException.class);
    }
    assertThat(verifications).hasValue(4);
  }

  @Test
  void aTokenIsNotTrustedPastItsExpiry() throws Exception {
    String shortLived = token("bob", Instant.now().plusMillis(1500));
    assertThat(tokens.decode(shortLived).getSubject()).isEqualTo("bob");
    assertThat(tokens.decode(shortLived).getSubject()).isEqualTo("bob");
    assertThat(verifications).hasValue(1);

    Thread.sleep(2000);
    assertThatThrownBy(() -> tokens.decode(shortLived))
        .isInstanceOf(JwtException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void aTokenIsKeptUntilItsExpiryAndAMinuteAtMost() {
    Instant now = Instant.now();
    Jwt longLived = expiringAt(now.plusSeconds(3600));
    Jwt shortLived = expiringAt(now.plusSeconds(5));
    Jwt expired = expiringAt(now.minusSeconds(1));
    assertThat(VerifiedTokens.keptFor(longLived, now)).isEqualTo(Duration.ofSeconds(60));
    assertThat(VerifiedTokens.keptFor(shortLived, now)).isEqualTo(Duration.ofSeconds(5));
    assertThat(VerifiedTokens.keptFor(expired, now)).isZero();
  }

  private static Jwt expiringAt(Instant expiresAt) {
    return Jwt.withTokenValue("t")
        .header("alg", "HS256")
        .subject("carol")
        .expiresAt(expiresAt)
        .build();
  }
}
