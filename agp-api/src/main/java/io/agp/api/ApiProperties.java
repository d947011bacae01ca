package io.agp.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The API's own settings ({@code agp.api.*}).
 *
 * @param maxSqlSize a longer SQL text is refused with 413; a JSON body may be twice this plus 64
 *     KiB
 * @param defaultTier the tier of an execution whose request names none
 * @param userHeader the header that names the caller when authentication is off
 * @param maxWait the longest {@code wait} a create or get may ask for
 * @param waitPollInterval how often a waiting request looks at the execution again
 * @param linkSecret the HMAC key of signed result links; a random one per start when empty
 * @param linkTtl how long a signed result link stays valid
 * @param shareScope who shares in-flight executions (collapse) and fresh results (reuse): every
 *     user of a tier, or each user alone
 * @param auth who the caller is: from a header ({@code none}) or a bearer token ({@code jwt})
 */
@Validated
@ConfigurationProperties("agp.api")
public record ApiProperties(
    @DefaultValue("1MB") @NotNull DataSize maxSqlSize,
    @DefaultValue("default") @NotBlank String defaultTier,
    @DefaultValue("X-AGP-User") @NotBlank String userHeader,
    @DefaultValue("60s") @NotNull Duration maxWait,
    @DefaultValue("100ms") @NotNull Duration waitPollInterval,
    @DefaultValue("") String linkSecret,
    @DefaultValue("1h") @NotNull Duration linkTtl,
    @DefaultValue("tier") @NotNull ShareScope shareScope,
    @DefaultValue @Valid Auth auth) {

  /** Who shares executions: the tier's users, or each user alone. */
  public enum ShareScope {
    TIER,
    USER
  }

  /** How callers are identified. */
  public enum AuthMode {
    /** No authentication: the user header (else the client address) names the caller. */
    NONE,
    /** A bearer JWT names the caller (sub), their tier (tier claim) and roles (roles claim). */
    JWT
  }

  /**
   * @param mode none (local use) or jwt
   * @param jwtSecret the HS256 key of the tokens (at least 32 bytes); or set jwkSetUri
   * @param jwkSetUri where the token issuer publishes its keys (JWKS), when not HS256
   * @param adminRole the role (in the roles claim) that sees and cancels every execution
   */
  public record Auth(
      @DefaultValue("none") @NotNull AuthMode mode,
      @DefaultValue("") String jwtSecret,
      URI jwkSetUri,
      @DefaultValue("admin") @NotBlank String adminRole) {}
}
