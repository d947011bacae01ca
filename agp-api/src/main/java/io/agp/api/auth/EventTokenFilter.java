package io.agp.api.auth;

import io.agp.api.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Signs in a {@code GET} of an execution's event stream that carries an {@code access_token} (see
 * {@link EventTokens}) and no bearer token, as the user the token names. Only there: on every other
 * path the parameter means nothing, so such a token opens one stream and reads nothing else.
 */
final class EventTokenFilter extends OncePerRequestFilter {

  static final String PARAMETER = "access_token";
  private static final Pattern EVENTS = Pattern.compile("/v1/async/executions/(\\d{1,18})/events");

  private final EventTokens tokens;
  private final JsonMapper json;

  EventTokenFilter(EventTokens tokens, JsonMapper json) {
    this.tokens = tokens;
    this.json = json;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    // The method first: a parameter of another method's request could be read from its body. Every
    // request passes here, so the cheap tests come before the path's pattern.
    Matcher events = null;
    String token = null;
    if (request.getMethod().equals("GET")
        && request.getQueryString() != null
        && request.getHeader(HttpHeaders.AUTHORIZATION) == null) {
      events = EVENTS.matcher(request.getRequestURI());
      token = events.matches() ? request.getParameter(PARAMETER) : null;
    }
    if (token == null) {
      chain.doFilter(request, response);
      return;
    }
    Optional<EventTokens.Grant> grant = tokens.check(token, Long.parseLong(events.group(1)));
    if (grant.isEmpty()) {
      Problems.write(
          json,
          response,
          HttpStatus.UNAUTHORIZED,
          "the access_token is not a valid event-stream token of this execution, or it has"
              + " expired: mint another with POST /v1/async/executions/{id}/events/token");
      return;
    }
    SecurityContext context = SecurityContextHolder.createEmptyContext();
    context.setAuthentication(new Authentication(grant.get()));
    SecurityContextHolder.setContext(context);
    chain.doFilter(request, response);
  }

  /** A caller signed in by an event-stream token. */
  static final class Authentication extends AbstractAuthenticationToken {

    private final EventTokens.Grant grant;

    Authentication(EventTokens.Grant grant) {
      super(List.of());
      this.grant = grant;
      setAuthenticated(true);
    }

    EventTokens.Grant grant() {
      return grant;
    }

    @Override
    public Object getCredentials() {
      return "";
    }

    @Override
    public Object getPrincipal() {
      return grant.user();
    }
  }
}
