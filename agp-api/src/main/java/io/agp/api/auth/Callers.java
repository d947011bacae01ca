package io.agp.api.auth;

import io.agp.api.ApiProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collection;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/** Finds the caller of the current request, from its token or, with auth off, its header. */
@Component
public class Callers {

  private final ApiProperties properties;

  Callers(ApiProperties properties) {
    this.properties = properties;
  }

  public Caller current(HttpServletRequest request) {
    if (properties.auth().mode() == ApiProperties.AuthMode.JWT) {
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      if (authentication instanceof JwtAuthenticationToken token) {
        return fromToken(token.getToken());
      }
      // The filter chain lets no unauthenticated request this far; refuse rather than guess.
      throw new IllegalStateException("no token on an authenticated request");
    }
    String user = request.getHeader(properties.userHeader());
    // Without authentication anyone may name anyone: every caller sees every execution.
    return new Caller(
        user == null || user.isBlank() ? request.getRemoteAddr() : user.strip(), null, true);
  }

  private Caller fromToken(Jwt jwt) {
    Object roles = jwt.getClaims().get("roles");
    boolean admin =
        roles instanceof Collection<?> list
            ? list.contains(properties.auth().adminRole())
            : properties.auth().adminRole().equals(roles);
    String tier = jwt.getClaimAsString("tier");
    return new Caller(jwt.getSubject(), tier == null || tier.isBlank() ? null : tier, admin);
  }
}
