package io.agp.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses requests that change something (any method but GET, HEAD, OPTIONS) when a browser sends
 * them on behalf of a page of another site, in every auth mode. Without it, any web page a user of
 * a local, unauthenticated AGP visits could POST {@code text/plain} SQL to it: a "simple" request
 * that browsers send without asking first. Browsers say where a request comes from ({@code
 * Sec-Fetch-Site}, {@code Origin}); clients that are not browsers send neither and pass.
 */
@Configuration(proxyBeanMethods = false)
class CrossSiteRequests {

  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  @Bean
  FilterRegistrationBean<Filter> crossSiteFilter(ApiProperties properties, JsonMapper json) {
    FilterRegistrationBean<Filter> registration =
        new FilterRegistrationBean<>(new Filter(properties, json));
    // Before the security filters: a forged request is refused before anything looks at it.
    registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 1);
    return registration;
  }

  static final class Filter extends OncePerRequestFilter {

    private final CorsConfiguration origins;
    private final JsonMapper json;

    Filter(ApiProperties properties, JsonMapper json) {
      // One list for both: a page that may call the API from another origin may change things.
      this.origins = CrossOriginRequests.configuration(properties);
      this.json = json;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (SAFE_METHODS.contains(request.getMethod()) || allowed(request)) {
        chain.doFilter(request, response);
        return;
      }
      Problems.write(
          json,
          response,
          HttpStatus.FORBIDDEN,
          "a request from a page of another site may not change anything here; add its origin to"
              + " agp.api.cors.allowed-origins to allow it");
    }

    private boolean allowed(HttpServletRequest request) {
      String origin = request.getHeader("Origin");
      String site = request.getHeader("Sec-Fetch-Site");
      if (site != null) {
        // Sent by every current browser and not settable by a page: trust it first.
        String value = site.strip().toLowerCase(Locale.ROOT);
        return value.equals("same-origin") || value.equals("none") || listed(origin);
      }
      if (origin == null) {
        // Not a browser (curl, a CLI, a service), or one too old to say: nothing to forge.
        return true;
      }
      return listed(origin) || sameHost(origin, request.getHeader("Host"));
    }

    private boolean listed(String origin) {
      return origin != null && origins.checkOrigin(origin.strip().toLowerCase(Locale.ROOT)) != null;
    }

    /** Whether the origin names the host the request was sent to ("null" never does). */
    private static boolean sameHost(String origin, String host) {
      if (host == null) {
        return false;
      }
      try {
        String authority = URI.create(origin.strip()).getRawAuthority();
        return authority != null && authority.equalsIgnoreCase(host.strip());
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }
}
