package io.agp.api.auth;

import io.agp.api.ApiProperties;
import io.agp.api.Problems;
import jakarta.servlet.DispatcherType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import tools.jackson.databind.json.JsonMapper;

/**
 * With {@code agp.api.auth.mode=none} every request passes; with {@code jwt} every API call needs a
 * bearer token, except signed result links (the signature is the credential), an event stream
 * opened with its own short-lived token ({@link EventTokens}), the contract, the Swagger UI, the
 * web console's static page and assets (its calls of the API carry the token) and health; the other
 * actuator endpoints need the admin role unless they are served on a management port of their own.
 * Each user's requests are rate limited. 401, 403 and 429 are problem+json like every other error.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

  @Bean
  SecurityFilterChain apiSecurity(
      HttpSecurity http,
      ApiProperties properties,
      JwtDecoder decoder,
      JsonMapper json,
      Callers callers,
      RateLimits rateLimits,
      EventTokens eventTokens,
      Environment environment)
      throws Exception {
    // CORS is answered ahead of this chain (CrossOriginRequests), in every auth mode.
    http.cors(cors -> cors.disable())
        .csrf(csrf -> csrf.disable())
        .httpBasic(basic -> basic.disable())
        .formLogin(form -> form.disable());
    if (properties.auth().mode() == ApiProperties.AuthMode.NONE) {
      // Nothing to check: the chain applies to no request, so a call pays for none of its filters
      // (they cost more CPU than the whole get-by-id handler).
      http.securityMatcher(request -> false);
      return http.build();
    }
    // Metrics and the other actuator endpoints say much about every user's queries: admins only,
    // unless they are served on a management port of their own, which only the cluster reaches.
    boolean separateManagementPort =
        ManagementPortType.get(environment) == ManagementPortType.DIFFERENT;
    AuthorizationManager<RequestAuthorizationContext> adminOnly =
        (authentication, context) ->
            new AuthorizationDecision(
                authentication.get() instanceof JwtAuthenticationToken token
                    && callers.isAdmin(token.getToken()));
    // A stateless API: nothing to log out of, no request to replay after a login, no session (so
    // no session filters and no URL rewriting to guard against), no anonymous caller (a request
    // without a token is refused as unauthenticated all the same), and no request wrapper for the
    // servlet API's principal and roles, which AGP reads from the security context. Each of these
    // filters and wrappers was paid for by every request.
    http.logout(logout -> logout.disable())
        .requestCache(cache -> cache.disable())
        .sessionManagement(session -> session.disable())
        .securityContext(
            context ->
                context.securityContextRepository(new RequestAttributeSecurityContextRepository()))
        .anonymous(anonymous -> anonymous.disable())
        .servletApi(servletApi -> servletApi.disable());
    http.authorizeHttpRequests(
            requests -> {
              requests
                  // A live event stream finishes on an async dispatch of an already checked
                  // request.
                  .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR)
                  .permitAll()
                  // The requests dashboards send most come next: the rules are tried in order.
                  .requestMatchers("/v1/async/executions", "/v1/async/executions/**")
                  .authenticated()
                  .requestMatchers(
                      "/v1/async/links/**",
                      "/v1/async/api.yaml",
                      "/v1/async/docs/**",
                      "/v1/async/api-docs/**",
                      "/swagger-ui/**",
                      "/actuator/health",
                      "/actuator/health/**",
                      // ClickHouse's /ping needs no credentials either: clients check it first.
                      "/v1/chproxy/ping",
                      // The web console's page and assets: it calls the API with the user's token.
                      "/",
                      "/ui",
                      "/ui/**")
                  .permitAll();
              if (separateManagementPort) {
                requests.requestMatchers("/actuator/**").permitAll();
              } else {
                requests.requestMatchers("/actuator/**").access(adminOnly);
              }
              requests.anyRequest().authenticated();
            })
        .oauth2ResourceServer(
            server ->
                server
                    .jwt(
                        jwt ->
                            jwt.decoder(decoder)
                                // AGP reads roles and tiers from the token's claims (Callers), not
                                // from Spring's authorities: none are derived from its scopes.
                                .jwtAuthenticationConverter(
                                    token ->
                                        new JwtAuthenticationToken(
                                            token, List.of(), token.getSubject())))
                    .bearerTokenResolver(new ProxyCredentials())
                    .authenticationEntryPoint(
                        (request, response, e) ->
                            Problems.write(
                                json,
                                response,
                                HttpStatus.UNAUTHORIZED,
                                "a valid bearer token is required: " + e.getMessage()))
                    .accessDeniedHandler(
                        (request, response, e) ->
                            Problems.write(
                                json,
                                response,
                                HttpStatus.FORBIDDEN,
                                "the admin role is required")))
        .exceptionHandling(
            errors ->
                errors.authenticationEntryPoint(
                    (request, response, e) ->
                        Problems.write(
                            json,
                            response,
                            HttpStatus.UNAUTHORIZED,
                            "a bearer token is required")));
    http.addFilterBefore(
        new EventTokenFilter(eventTokens, json), BearerTokenAuthenticationFilter.class);
    if (rateLimits.enabled()) {
      http.addFilterAfter(
          new RateLimitFilter(rateLimits, json), BearerTokenAuthenticationFilter.class);
    }
    return http.build();
  }

  /**
   * Spring's firewall as it is, except that it checks the name and value of each header a request
   * reads with a loop instead of a regular expression: the same rule (assigned characters, no
   * control character but a tab in a value), for a fraction of what the expression cost on a
   * token's 200 characters.
   */
  @Bean
  StrictHttpFirewall httpFirewall() {
    StrictHttpFirewall firewall = new StrictHttpFirewall();
    firewall.setAllowedHeaderNames(name -> assignedWithoutControls(name, false));
    firewall.setAllowedHeaderValues(value -> assignedWithoutControls(value, true));
    return firewall;
  }

  /**
   * Whether every code point of the text is assigned and none is a control character, a tab aside
   * when {@code tab} is true: what {@code [\p{IsAssigned}&&[^\p{IsControl}]]*} matches.
   */
  static boolean assignedWithoutControls(String text, boolean tab) {
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      int type = Character.getType(c);
      if (type == Character.UNASSIGNED || (type == Character.CONTROL && !(tab && c == '\t'))) {
        return false;
      }
      i += Character.charCount(c);
    }
    return true;
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
   * The token decoder: HS256 with the configured secret, or the issuer's JWKS with the configured
   * algorithms. Either way a token must name its user ({@code sub}) and expire ({@code exp}), and
   * match the issuer and audience when they are configured; an issuer needs an audience. A token
   * that passed is trusted by its text for a minute at most ({@link VerifiedTokens}). With auth
   * off, a decoder that accepts nothing (its presence keeps Spring from generating a login
   * password).
   */
  @Bean
  JwtDecoder jwtDecoder(ApiProperties properties) {
    ApiProperties.Auth auth = properties.auth();
    if (auth.mode() == ApiProperties.AuthMode.NONE) {
      return token -> {
        throw new BadJwtException("authentication is off");
      };
    }
    NimbusJwtDecoder decoder;
    if (auth.jwtSecret() != null && !auth.jwtSecret().isBlank()) {
      byte[] secret = auth.jwtSecret().getBytes(StandardCharsets.UTF_8);
      if (secret.length < 32) {
        throw new IllegalStateException("agp.api.auth.jwt-secret must have at least 32 bytes");
      }
      decoder =
          NimbusJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
              .macAlgorithm(MacAlgorithm.HS256)
              .build();
    } else if (auth.jwkSetUri() != null) {
      if (auth.algorithms().isEmpty()) {
        throw new IllegalStateException("agp.api.auth.algorithms names no algorithm");
      }
      decoder =
          NimbusJwtDecoder.withJwkSetUri(auth.jwkSetUri().toString())
              .jwsAlgorithms(
                  algorithms ->
                      auth.algorithms().forEach(name -> algorithms.add(signatureAlgorithm(name))))
              .build();
    } else {
      throw new IllegalStateException(
          "agp.api.auth.mode=jwt needs agp.api.auth.jwt-secret or agp.api.auth.jwk-set-uri");
    }
    if (!auth.issuer().isBlank() && auth.audience().isBlank()) {
      // An identity provider signs the tokens of all its applications with the same keys and as
      // the same issuer: only the audience tells AGP's from another application's.
      throw new IllegalStateException(
          "agp.api.auth.issuer is set without agp.api.auth.audience: tokens the same identity"
              + " provider issues to other applications would be accepted; set the audience AGP's"
              + " tokens carry");
    }
    decoder.setJwtValidator(TokenRules.of(auth));
    return new VerifiedTokens(decoder);
  }

  private static SignatureAlgorithm signatureAlgorithm(String name) {
    SignatureAlgorithm algorithm = SignatureAlgorithm.from(name.strip());
    if (algorithm == null) {
      throw new IllegalStateException(
          "agp.api.auth.algorithms: unknown algorithm '" + name + "' (e.g. RS256, ES256)");
    }
    return algorithm;
  }
}
