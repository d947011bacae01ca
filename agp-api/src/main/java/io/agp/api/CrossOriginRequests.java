package io.agp.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;
import org.springframework.web.util.InvalidUrlException;
import tools.jackson.databind.json.JsonMapper;

/**
 * CORS for pages of the origins {@code agp.api.cors.allowed-origins} lists (dashboards served
 * elsewhere), with Spring's own CORS processing, ahead of every other check: a preflight is
 * answered here, so it needs no token and is neither counted by the rate limit nor refused by the
 * host or cross-site checks; an actual request goes on and its answer (errors included) carries the
 * headers a listed origin needs. Never in credentials mode: calls carry a bearer token, so no page
 * can make a browser send something it holds for AGP (a cookie, a Basic login) by itself.
 */
@Configuration(proxyBeanMethods = false)
class CrossOriginRequests {

  @Bean
  CorsConfigurationSource corsConfigurationSource(ApiProperties properties) {
    if (properties.auth().mode() == ApiProperties.AuthMode.NONE
        && properties.corsOrigins().contains("*")) {
      // Without tokens, every page of every site could read and run everything.
      throw new IllegalStateException(
          "agp.api.cors.allowed-origins lists '*' while agp.api.auth.mode is none: any web page"
              + " its users visit could run queries and read every result; list your dashboards'"
              + " origins, or turn authentication on");
    }
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    source.registerCorsConfiguration("/v1/**", configuration(properties));
    return source;
  }

  @Bean
  FilterRegistrationBean<CorsFilter> corsFilter(
      CorsConfigurationSource corsConfigurationSource, JsonMapper json) {
    CorsFilter filter = new CorsFilter(corsConfigurationSource);
    filter.setCorsProcessor(new Processor(json));
    FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 3);
    return registration;
  }

  /** The CORS rules of the settings; with no origin listed, one that allows none. */
  static CorsConfiguration configuration(ApiProperties properties) {
    ApiProperties.Cors cors = properties.cors();
    CorsConfiguration configuration = new CorsConfiguration();
    // Patterns, so that https://*.example.com works; an exact origin is a pattern of itself.
    configuration.setAllowedOriginPatterns(properties.corsOrigins());
    configuration.setAllowedMethods(cors.allowedMethods());
    configuration.setAllowedHeaders(cors.allowedHeaders());
    configuration.setExposedHeaders(cors.exposedHeaders());
    configuration.setMaxAge(cors.maxAge());
    configuration.setAllowCredentials(false);
    return configuration;
  }

  /**
   * Spring's processing, except for two things. An actual request of an origin not listed goes on
   * without CORS headers rather than being refused here: what it may do is for the cross-site and
   * auth checks to say (a browser keeps the answer from the page anyway). And a refused preflight
   * is a problem+json like every other refusal.
   */
  static final class Processor extends DefaultCorsProcessor {

    private final JsonMapper json;

    Processor(JsonMapper json) {
      this.json = json;
    }

    @Override
    public boolean processRequest(
        CorsConfiguration configuration, HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      try {
        if (configuration != null
            && CorsUtils.isCorsRequest(request)
            && !CorsUtils.isPreFlightRequest(request)
            && configuration.checkOrigin(request.getHeader("Origin")) == null) {
          response.addHeader("Vary", "Origin");
          return true;
        }
        return super.processRequest(configuration, request, response);
      } catch (InvalidUrlException e) {
        // Spring parses the Origin as a URL to compare it with the request's own, and throws on
        // one that is not (a space, a bad escape): without this, a 500.
        Problems.write(
            json,
            response,
            HttpStatus.BAD_REQUEST,
            "the Origin header is not an origin (scheme://host[:port])");
        return false;
      }
    }

    @Override
    protected void rejectRequest(ServerHttpResponse response) throws IOException {
      response.setStatusCode(HttpStatus.FORBIDDEN);
      response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
      response
          .getBody()
          .write(
              Problems.body(
                  json,
                  HttpStatus.FORBIDDEN,
                  "this request from a page of another origin is not allowed: its origin, method"
                      + " or headers are not among agp.api.cors.allowed-origins, allowed-methods"
                      + " or allowed-headers"));
      response.flush();
    }
  }
}
