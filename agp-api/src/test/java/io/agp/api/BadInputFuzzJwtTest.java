package io.agp.api;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.api.testing.TestApi;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The same generated bad input in JWT mode: most requests carry a good token (of the fixtures'
 * owner, of another user, of an admin), so that the bad input reaches the handlers as each of them;
 * the rest carry broken ones. The same checks hold: no 5xx, no stack trace, problem+json, and a
 * refused request changes nothing.
 */
@Tag("fuzz")
class BadInputFuzzJwtTest extends BadInputFuzzTest {

  private static final String SECRET = "the token secret of the fuzz test, 32 bytes or more";

  // Hides the superclass's: this class starts an API of its own.
  @BeforeAll
  static void start() throws Exception {
    TestApi api =
        TestApi.start(
            withClickHouse(
                "--agp.api.max-wait=1s",
                "--agp.api.auth.mode=jwt",
                "--agp.api.auth.jwt-secret=" + SECRET,
                "--agp.api.auth.role-tiers.analyst=default,gold",
                // Thousands of requests of one user: the limit would answer most of them.
                "--agp.api.rate-limit.requests-per-second=0"));
    useJwt(
        api,
        List.of(
            "Bearer " + token("owner", List.of("analyst")),
            "Bearer " + token("stranger", List.of()),
            "Bearer " + token("root", List.of("admin", "analyst"))));
  }

  private static String token(String sub, List<String> roles) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .subject(sub)
              .claim("roles", roles)
              .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
              .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
