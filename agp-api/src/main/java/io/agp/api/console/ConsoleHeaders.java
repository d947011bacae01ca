package io.agp.api.console;

import io.agp.api.ApiProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Security headers of the console's responses ({@code /} and {@code /ui/…}): a strict
 * Content-Security-Policy (every script, style, image and request from AGP itself, no inline script
 * or style, no framing, no plugin), no MIME sniffing, no referrer, and revalidation of every asset
 * so that an upgrade of AGP is seen at the next load. The API's own answers are left as they are.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleHeaders {

  /** The policy; {@code connect-src} adds the origin of the OIDC issuer when there is one. */
  static String contentSecurityPolicy(ApiProperties.Oidc oidc) {
    String connect = "'self'";
    if (oidc.enabled()) {
      URI issuer = oidc.issuer();
      connect += " " + issuer.getScheme() + "://" + issuer.getRawAuthority();
    }
    return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        + " connect-src "
        + connect
        + "; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
        + " frame-ancestors 'none'";
  }

  @Bean
  FilterRegistrationBean<Filter> consoleHeadersFilter(ApiProperties properties) {
    FilterRegistrationBean<Filter> registration =
        new FilterRegistrationBean<>(new Filter(contentSecurityPolicy(properties.ui().oidc())));
    registration.addUrlPatterns("/", "/ui", "/ui/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    return registration;
  }

  static final class Filter extends OncePerRequestFilter {

    private final String policy;

    Filter(String policy) {
      this.policy = policy;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      response.setHeader("Content-Security-Policy", policy);
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("X-Frame-Options", "DENY");
      response.setHeader("Referrer-Policy", "no-referrer");
      response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
      if (!response.containsHeader("Cache-Control")) {
        response.setHeader("Cache-Control", "no-cache");
      }
      chain.doFilter(request, response);
    }
  }
}
