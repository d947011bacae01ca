package io.agp.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Without authentication, answers only requests addressed to this machine by a name it knows: a
 * {@code Host} of {@code localhost}, an IP address, or a name of {@code agp.api.allowed-hosts}.
 * Else a page of any site could make its own name point at 127.0.0.1 (DNS rebinding) and read every
 * answer of an AGP that trusts every caller, since the browser then takes AGP for the page's own
 * origin. An IP address is no such risk: a page cannot make a browser send another site's requests
 * to a bare address under the page's own origin. With tokens nothing is checked: a page has no
 * token to send.
 */
@Configuration(proxyBeanMethods = false)
class LocalOriginGuard {

  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  @Bean
  FilterRegistrationBean<Filter> localOriginFilter(ApiProperties properties, JsonMapper json) {
    FilterRegistrationBean<Filter> registration =
        new FilterRegistrationBean<>(new Filter(properties, json));
    registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 2);
    registration.setEnabled(properties.auth().mode() == ApiProperties.AuthMode.NONE);
    return registration;
  }

  static final class Filter extends OncePerRequestFilter {

    private final List<String> allowedHosts;
    private final JsonMapper json;

    Filter(ApiProperties properties, JsonMapper json) {
      this.allowedHosts =
          properties.allowedHosts().stream()
              .map(host -> host.strip().toLowerCase(Locale.ROOT))
              .filter(host -> !host.isEmpty())
              .toList();
      this.json = json;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      String host = request.getHeader("Host");
      if (host == null || allowed(hostName(host))) {
        chain.doFilter(request, response);
        return;
      }
      Problems.write(
          json,
          response,
          HttpStatus.FORBIDDEN,
          "this AGP runs without authentication and answers requests addressed to localhost, an IP"
              + " address or a name of agp.api.allowed-hosts only; add the name you reach it by"
              + " there");
    }

    private boolean allowed(String name) {
      if (name.equals("localhost") || name.endsWith(".localhost") || isAddress(name)) {
        return true;
      }
      for (String allowed : allowedHosts) {
        if (allowed.equals(name)
            || (allowed.startsWith("*.") && name.endsWith(allowed.substring(1)))) {
          return true;
        }
      }
      return false;
    }

    /** The host of a Host header, lower-case, without its port (an IPv6 one in brackets). */
    static String hostName(String header) {
      String host = header.strip().toLowerCase(Locale.ROOT);
      if (host.startsWith("[")) {
        int close = host.indexOf(']');
        return close < 0 ? host : host.substring(0, close + 1);
      }
      int colon = host.lastIndexOf(':');
      host = colon < 0 ? host : host.substring(0, colon);
      return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private static boolean isAddress(String name) {
      return (name.startsWith("[") && name.endsWith("]")) || IPV4.matcher(name).matches();
    }
  }
}
