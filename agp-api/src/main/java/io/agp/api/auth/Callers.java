package io.agp.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.agp.api.ApiProperties;
import io.agp.tier.Tiers;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

  /** A role-tiers entry that stands for every tier. */
  static final String EVERY_TIER = "*";

  private final ApiProperties properties;
  private final Tiers tiers;

  /**
   * The caller each verified token names, kept while the token is: {@link VerifiedTokens} hands out
   * the same token object for the same text, so a dashboard's polls read its claims once. Keyed by
   * identity (weak keys): a token verified afresh is read afresh.
   */
  private final Cache<Jwt, Caller> byToken =
      Caffeine.newBuilder().weakKeys().maximumSize(10_000).build();

  Callers(ApiProperties properties, Tiers tiers) {
    this.properties = properties;
    this.tiers = tiers;
  }

  public Caller current(HttpServletRequest request) {
    if (properties.auth().mode() == ApiProperties.AuthMode.JWT) {
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      if (authentication instanceof JwtAuthenticationToken token) {
        return checked(byToken.get(token.getToken(), this::fromToken), "sub");
      }
      if (authentication instanceof EventTokenFilter.Authentication stream) {
        // An event stream's own token: it opens that stream and creates nothing, so no tiers.
        return new Caller(stream.grant().user(), Set.of(), null, stream.grant().admin(), null);
      }
      // The filter chain lets no unauthenticated request this far; refuse rather than guess.
      throw new IllegalStateException("no token on an authenticated request");
    }
    String user = request.getHeader(properties.userHeader());
    // Without authentication anyone may name anyone: every caller sees every execution.
    return checked(
        Caller.trusted(user == null || user.isBlank() ? request.getRemoteAddr() : user.strip()),
        properties.userHeader());
  }

  /** Whether a token carries the admin role. */
  public boolean isAdmin(Jwt jwt) {
    return roles(jwt).contains(properties.auth().adminRole());
  }

  private static Caller checked(Caller caller, String field) {
    if (caller.user() != null && caller.user().length() > MAX_USER_LENGTH) {
      throw new InvalidCallerException(
          field, "the caller's name is longer than " + MAX_USER_LENGTH + " characters");
    }
    return caller;
  }

  /**
   * The caller a token names. Its tiers are those of its {@code tier} claim (a name or a list) and
   * those its roles map to; with neither, the default tier alone. The token's validation (see
   * SecurityConfiguration) has already refused one without a usable {@code sub}.
   */
  private Caller fromToken(Jwt jwt) {
    List<String> roles = roles(jwt);
    List<String> claimed = strings(jwt.getClaims().get("tier"));
    Set<String> allowed = new TreeSet<>(claimed);
    boolean everyTier = false;
    for (String role : roles) {
      List<String> mapped = properties.auth().roleTiers().getOrDefault(role, List.of());
      everyTier |= mapped.contains(EVERY_TIER);
      allowed.addAll(mapped);
    }
    allowed.remove(EVERY_TIER);
    if (allowed.isEmpty() && !everyTier) {
      allowed.add(properties.defaultTier());
    }
    String preferred = claimed.isEmpty() ? null : claimed.getFirst();
    String quotaKey = jwt.getClaimAsString("quota_key");
    return new Caller(
        jwt.getSubject(),
        everyTier ? Set.copyOf(tiers.names()) : allowed,
        preferred,
        roles.contains(properties.auth().adminRole()),
        quotaKey == null || quotaKey.isBlank() ? null : quotaKey);
  }

  private static List<String> roles(Jwt jwt) {
    return strings(jwt.getClaims().get("roles"));
  }

  /** A claim that may be one string or a list of them; blanks and other values are left out. */
  private static List<String> strings(Object claim) {
    if (claim instanceof String one) {
      return one.isBlank() ? List.of() : List.of(one.strip());
    }
    if (claim instanceof Collection<?> many) {
      return many.stream()
          .filter(String.class::isInstance)
          .map(String.class::cast)
          .filter(s -> !s.isBlank())
          .map(String::strip)
          .toList();
    }
    return List.of();
  }
}
