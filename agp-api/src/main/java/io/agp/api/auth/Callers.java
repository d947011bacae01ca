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

  /**
   * The longest caller name: it is stored with every execution and indexed, and PostgreSQL refuses
   * index entries of more than about 2.7 kB.
   */
  public static final int MAX_USER_LENGTH = 256;

  private final ApiProperties properties;

  Callers(ApiProperties properties) {
    this.properties = properties;
  }

  public Caller current(HttpServletRequest request) {
    if (properties.auth().mode() == ApiProperties.AuthMode.JWT) {
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      if (authentication instanceof JwtAuthenticationToken token) {
        return checked(fromToken(token.getToken()), "sub");
      }
      // The filter chain lets no unauthenticated request this far; refuse rather than guess.
      throw new IllegalStateException("no token on an authenticated request");
    }
    String user = request.getHeader(properties.userHeader());
    // Without authentication anyone may name anyone: every caller sees every execution.
    return checked(
        new Caller(
            user == null || user.isBlank() ? request.getRemoteAddr() : user.strip(), null, true),
        properties.userHeader());
  }

  private static Caller checked(Caller caller, String field) {
    if (caller.user() != null && caller.user().length() > MAX_USER_LENGTH) {
      throw new InvalidCallerException(
          field, "the caller's name is longer than " + MAX_USER_LENGTH + " characters");
    }
    return caller;
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
