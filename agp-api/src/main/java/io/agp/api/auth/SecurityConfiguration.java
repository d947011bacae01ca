package io.agp.api.auth;

import io.agp.api.ApiProperties;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * With {@code agp.api.auth.mode=none} every request passes; with {@code jwt} every API call needs a
 * bearer token, except signed result links (the signature is the credential), the contract, the
 * Swagger UI and the actuator. 401 and 403 are problem+json like every other error.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

  @Bean
  SecurityFilterChain apiSecurity(
      HttpSecurity http, ApiProperties properties, JwtDecoder decoder, JsonMapper json)
      throws Exception {
    http.csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .httpBasic(basic -> basic.disable())
        .formLogin(form -> form.disable());
    if (properties.auth().mode() == ApiProperties.AuthMode.NONE) {
      // Nothing to check: the chain applies to no request, so a call pays for none of its filters
      // (they cost more CPU than the whole get-by-id handler).
      http.securityMatcher(request -> false);
      return http.build();
    }
    // A stateless API: nothing to log out of, no request to replay after a login.
    http.logout(logout -> logout.disable()).requestCache(cache -> cache.disable());
    http.authorizeHttpRequests(
            requests ->
                requests
                    // A streamed download finishes on an async dispatch of an already checked
                    // request.
                    .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR)
                    .permitAll()
                    .requestMatchers(
                        "/v1/async/links/**",
                        "/v1/async/api.yaml",
                        "/v1/async/docs/**",
                        "/v1/async/api-docs/**",
                        "/swagger-ui/**",
                        "/actuator/**")
                    .permitAll()
                    .anyRequest()
                    .authenticated())
        .oauth2ResourceServer(
            server ->
                server
                    .jwt(jwt -> jwt.decoder(decoder))
                    .authenticationEntryPoint(
                        (request, response, e) ->
                            problem(
                                json,
                                response,
                                HttpStatus.UNAUTHORIZED,
                                "a valid bearer token is required: " + e.getMessage()))
                    .accessDeniedHandler(
                        (request, response, e) ->
                            problem(json, response, HttpStatus.FORBIDDEN, e.getMessage())))
        .exceptionHandling(
            errors ->
                errors.authenticationEntryPoint(
                    (request, response, e) ->
                        problem(
                            json,
                            response,
                            HttpStatus.UNAUTHORIZED,
                            "a bearer token is required")));
    return http.build();
  }

  /**
   * No observation (a timer and a span) around each of the chain's filters and each authorization:
   * they cost a third of a simple request's CPU and say nothing the request metrics don't.
   */
  @Bean
  SecurityObservationSettings securityObservationSettings() {
    return SecurityObservationSettings.noObservations();
  }

  /**
   * The token decoder: HS256 with the configured secret, or the issuer's JWKS. With auth off, one
   * that accepts nothing (and its presence keeps Spring from generating a login password).
   */
  @Bean
  JwtDecoder jwtDecoder(ApiProperties properties) {
    ApiProperties.Auth auth = properties.auth();
    if (auth.mode() == ApiProperties.AuthMode.NONE) {
      return token -> {
        throw new BadJwtException("authentication is off");
      };
    }
    if (auth.jwtSecret() != null && !auth.jwtSecret().isBlank()) {
      byte[] secret = auth.jwtSecret().getBytes(StandardCharsets.UTF_8);
      if (secret.length < 32) {
        throw new IllegalStateException("agp.api.auth.jwt-secret must have at least 32 bytes");
      }
      return NimbusJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
          .macAlgorithm(MacAlgorithm.HS256)
          .build();
    }
    if (auth.jwkSetUri() != null) {
      return NimbusJwtDecoder.withJwkSetUri(auth.jwkSetUri().toString()).build();
    }
    throw new IllegalStateException(
        "agp.api.auth.mode=jwt needs agp.api.auth.jwt-secret or agp.api.auth.jwk-set-uri");
  }

  private static void problem(
      JsonMapper json, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", status.getReasonPhrase());
    problem.put("status", status.value());
    problem.put("detail", detail);
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    if (status == HttpStatus.UNAUTHORIZED) {
      response.setHeader("WWW-Authenticate", "Bearer");
    }
    json.writeValue(response.getOutputStream(), problem);
  }
}
