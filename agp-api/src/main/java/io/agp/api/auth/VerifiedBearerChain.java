package io.agp.api.auth;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.context.request.async.WebAsyncManagerIntegrationFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The filter chain of a request whose bearer token this instance has verified already ({@link
 * VerifiedTokens}): a dashboard's polls, after the first. The full chain would check that token
 * again in a dozen filters that cost as much CPU as the whole get of a settled execution; this one
 * keeps of it only what such a request needs: the same security headers, the same rate limit and
 * the same signed-in caller, from the full chain's own filter instances.
 *
 * <p>It takes only what the full chain would let through on the token alone: requests (not their
 * asynchronous dispatches, which the full chain lets through anyway) to anything but the actuator,
 * whose endpoints need the admin role. Everything else goes through the full chain: a first use of
 * a token, a token changed by one character, an expired one, a DPoP or event-stream token, a
 * request without any. Spring Security's firewall has checked the request before either chain sees
 * it.
 */
final class VerifiedBearerChain {

  /** Where the sign-in of a matched request waits for its filter. */
  private static final String SIGNED_IN = VerifiedBearerChain.class.getName() + ".SIGNED_IN";

  private VerifiedBearerChain() {}

  /**
   * The chain for requests with an already verified token, made of {@code full}'s own header and
   * rate-limit filters, in their order there. It must come before {@code full}.
   */
  static SecurityFilterChain of(SecurityFilterChain full, VerifiedTokens tokens) {
    RequestAttributeSecurityContextRepository contexts =
        new RequestAttributeSecurityContextRepository();
    List<Filter> filters = new ArrayList<>();
    // Clears the caller at the end, and lets an asynchronous dispatch (through the full chain)
    // find it where the full chain's own sign-in would have left it.
    filters.add(new SecurityContextHolderFilter(contexts));
    for (Filter filter : full.getFilters()) {
      if (filter instanceof WebAsyncManagerIntegrationFilter
          || filter instanceof HeaderWriterFilter) {
        filters.add(filter);
      }
    }
    filters.add(new SignIn(contexts));
    // After the sign-in, as in the full chain: it counts per user.
    full.getFilters().stream().filter(RateLimitFilter.class::isInstance).forEach(filters::add);
    return new DefaultSecurityFilterChain(new Verified(tokens), filters);
  }

  /** Matches a request whose token is among the verified ones, and keeps its sign-in. */
  private static final class Verified implements RequestMatcher {

    private final VerifiedTokens tokens;
    private final BearerTokenResolver resolver = new ProxyCredentials();
    private final RequestMatcher actuator =
        PathPatternRequestMatcher.withDefaults().matcher("/actuator/**");
    private final JwtAuthenticationConverter converter = new JwtAuthenticationConverter();

    Verified(VerifiedTokens tokens) {
      this.tokens = tokens;
    }

    @Override
    public boolean matches(HttpServletRequest request) {
      if (request.getDispatcherType() != DispatcherType.REQUEST || actuator.matches(request)) {
        return false;
      }
      String token;
      try {
        token = resolver.resolve(request);
      } catch (RuntimeException e) {
        // A malformed credential: the full chain answers it.
        return false;
      }
      Jwt jwt = token == null ? null : tokens.verified(token);
      if (jwt == null) {
        return false;
      }
      // The authentication the full chain's provider would make of the same token.
      request.setAttribute(SIGNED_IN, converter.convert(jwt));
      return true;
    }
  }

  /** Signs the matched request in as its token's user, as the full chain's sign-in would. */
  private static final class SignIn extends OncePerRequestFilter {

    private final RequestAttributeSecurityContextRepository contexts;

    SignIn(RequestAttributeSecurityContextRepository contexts) {
      this.contexts = contexts;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      Authentication signedIn = (Authentication) request.getAttribute(SIGNED_IN);
      request.removeAttribute(SIGNED_IN);
      SecurityContext context = SecurityContextHolder.createEmptyContext();
      context.setAuthentication(signedIn);
      SecurityContextHolder.setContext(context);
      contexts.saveContext(context, request, response);
      chain.doFilter(request, response);
    }
  }
}
