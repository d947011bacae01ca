package io.agp.api.auth;

import io.agp.api.ApiProperties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;

/**
 * What a token must carry besides a good signature: a user ({@code sub}, not blank), an expiry
 * ({@code exp}, checked with the configured clock skew, as {@code nbf} is), and the configured
 * issuer and audience. A token without an expiry would be a password that never runs out.
 */
final class TokenRules {

  private TokenRules() {}

  static OAuth2TokenValidator<Jwt> of(ApiProperties.Auth auth) {
    List<OAuth2TokenValidator<Jwt>> rules = new ArrayList<>();
    rules.add(new JwtTimestampValidator(auth.clockSkew()));
    rules.add(
        rule(
            jwt -> jwt.getClaims().get(JwtClaimNames.SUB) instanceof String sub && !sub.isBlank(),
            "the token names no user (its sub claim is missing or blank)"));
    rules.add(rule(jwt -> jwt.getExpiresAt() != null, "the token has no expiry (exp claim)"));
    if (!auth.issuer().isBlank()) {
      rules.add(
          rule(
              jwt -> auth.issuer().equals(jwt.getClaimAsString(JwtClaimNames.ISS)),
              "the token's issuer (iss) is not " + auth.issuer()));
    }
    if (!auth.audience().isBlank()) {
      rules.add(
          rule(
              jwt ->
                  jwt.getClaims().get(JwtClaimNames.AUD) instanceof Collection<?> audiences
                      ? audiences.contains(auth.audience())
                      : auth.audience().equals(jwt.getClaims().get(JwtClaimNames.AUD)),
              "the token's audience (aud) does not include " + auth.audience()));
    }
    return new DelegatingOAuth2TokenValidator<>(rules);
  }

  private static OAuth2TokenValidator<Jwt> rule(Predicate<Jwt> holds, String failure) {
    OAuth2Error error = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, failure, null);
    return jwt ->
        holds.test(jwt)
            ? OAuth2TokenValidatorResult.success()
            : OAuth2TokenValidatorResult.failure(error);
  }
}
