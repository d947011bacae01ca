package io.agp.api.auth;

import io.agp.api.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a user's request with 429 and {@code Retry-After} once their bucket is empty. Runs after
 * the token is checked, so it counts per user (the token's {@code sub}, or the user an event-stream
 * token names); requests without a token (signed links, health) are not counted here.
 */
final class RateLimitFilter extends OncePerRequestFilter {

  private final RateLimits limits;
  private final JsonMapper json;

  RateLimitFilter(RateLimits limits, JsonMapper json) {
    this.limits = limits;
    this.json = json;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    String user =
        switch (authentication) {
          case JwtAuthenticationToken token -> token.getToken().getSubject();
          case EventTokenFilter.Authentication stream -> stream.grant().user();
          case null, default -> null;
        };
    if (user != null) {
      Duration wait = limits.take(user);
      if (!wait.isZero()) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        Problems.write(
            json,
            response,
            HttpStatus.TOO_MANY_REQUESTS,
            "too many requests from this user; try again in " + seconds + " s");
        return;
      }
    }
    chain.doFilter(request, response);
  }
}
