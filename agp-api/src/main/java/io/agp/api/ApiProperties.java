package io.agp.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
 * @param waitSafetyPoll how often the executions that requests wait for are read, in one statement
 *     for all, in case a notification of their change was lost; notifications wake the requests at
 *     once otherwise
 * @param maxWatchers requests one API instance lets wait at once (waits and event streams); beyond,
 *     a wait is refused with 429
 * @param eventsKeepAlive how often a quiet event stream gets a comment, so that proxies keep it
 *     open and a client that left is noticed
 * @param downloadIdleTimeout a result download that sends nothing for this long is cut: its
 *     connection is dropped and its stored object closed. One that keeps sending has no time limit.
 * @param linkSecrets the HMAC keys of signed result links, at least 32 bytes each: the first signs,
 *     every one verifies (so that a key can be rotated without breaking the links out there)
 * @param linkTtl how long a signed result link stays valid
 * @param queryHashSecret the HMAC key of query hashes (the default query_id); empty means one
 *     derived from the first link secret. Set it to keep collapsing and reuse across a rotation of
 *     the link secrets.
 * @param shareScope who shares in-flight executions (collapse) and fresh results (reuse): every
 *     user of a tier, or each user alone; empty means {@code user} with jwt auth, else {@code tier}
 * @param allowedOrigins the former name of {@code cors.allowed-origins}, still read: its origins
 *     are added to those
 * @param allowedHosts with auth mode none, the names (or {@code *.example.com} patterns) this API
 *     may be reached by besides localhost and IP addresses; a request addressed to another name is
 *     refused (403), so that no page can reach it through a name that points at it (DNS rebinding)
 * @param rateLimit how many requests one user may send (jwt auth only)
 * @param auth who the caller is: from a header ({@code none}) or a bearer token ({@code jwt})
 * @param ui the web console's settings
 * @param interactive the synchronous run and the ClickHouse proxy (their limits per tier are the
 *     tiers' {@code interactive} settings)
 * @param preview the bounds of a result's preview
 * @param perUser what one user may hold open at once in one API instance
 * @param cors which pages of other origins may call the API from a browser, and how
 * @param schedules the bounds of the schedules users make ({@code /v1/schedules})
 * @param settledCache the copies of settled executions an API instance keeps in memory, so that
 *     polling one costs no statement
 */
@Validated
@ConfigurationProperties("agp.api")
public record ApiProperties(
    @DefaultValue("1MB") @NotNull DataSize maxSqlSize,
    @DefaultValue("default") @NotBlank String defaultTier,
    @DefaultValue("X-AGP-User") @NotBlank String userHeader,
    @DefaultValue("60s") @NotNull Duration maxWait,
    @DefaultValue("5s") @NotNull Duration waitSafetyPoll,
    @DefaultValue("10000") @Min(1) int maxWatchers,
    @DefaultValue("15s") @NotNull Duration eventsKeepAlive,
    @DefaultValue("60s") @NotNull Duration downloadIdleTimeout,
    @DefaultValue List<String> linkSecrets,
    @DefaultValue("1h") @NotNull Duration linkTtl,
    @DefaultValue("") String queryHashSecret,
    ShareScope shareScope,
    @DefaultValue List<String> allowedOrigins,
    @DefaultValue List<String> allowedHosts,
    @DefaultValue @Valid RateLimit rateLimit,
    @DefaultValue @Valid Auth auth,
    @DefaultValue @Valid Ui ui,
    @DefaultValue @Valid Interactive interactive,
    @DefaultValue @Valid Preview preview,
    @DefaultValue @Valid PerUser perUser,
    @DefaultValue @Valid Cors cors,
    @DefaultValue @Valid Schedules schedules,
    @DefaultValue @Valid SettledCache settledCache) {

  public ApiProperties {
    linkSecrets = linkSecrets == null ? List.of() : List.copyOf(linkSecrets);
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }

  /**
   * Cross-origin requests from browsers (CORS), for dashboards served from another origin. Calls
   * carry a bearer token (or a signed event-stream token), never cookies: credentials mode stays
   * off.
   *
   * @param allowedOrigins origins whose pages may call the API: exact ones ({@code
   *     https://dash.example.com}) or patterns ({@code https://*.example.com}); none means no page
   *     of another origin may. A listed origin also passes the refusal of cross-site requests.
   * @param allowedMethods the methods a page may use
   * @param allowedHeaders the request headers a page may send
   * @param exposedHeaders the response headers a page may read, besides the few every browser shows
   * @param maxAge how long a browser may keep a preflight's answer
   * @param eventTokenTtl how long an event-stream token (for an {@code EventSource}, which cannot
   *     send a bearer token) may be used to open the stream of its execution
   */
  public record Cors(
      @DefaultValue List<String> allowedOrigins,
      @DefaultValue({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}) List<String> allowedMethods,
      @DefaultValue({
            "Authorization",
            "Content-Type",
            "Accept",
            "Last-Event-ID",
            "If-None-Match",
            "If-Match",
            "Range",
            "X-AGP-Tier",
            "X-ClickHouse-User",
            "X-ClickHouse-Key",
            "X-ClickHouse-Format",
            "X-ClickHouse-Database",
            "X-ClickHouse-Quota"
          })
          List<String> allowedHeaders,
      @DefaultValue({
            "Location",
            "Retry-After",
            "Content-Range",
            "Content-Disposition",
            "Content-Encoding",
            "Accept-Ranges",
            "ETag",
            "Last-Event-ID",
            "WWW-Authenticate",
            "X-AGP-Query-Id",
            "X-AGP-Tier",
            "AGP-Budget-Executions-Remaining",
            "AGP-Budget-Bytes-Read-Remaining",
            "AGP-Budget-Server-Seconds-Remaining",
            "AGP-Budget-Reset",
            "X-ClickHouse-Query-Id",
            "X-ClickHouse-Summary",
            "X-ClickHouse-Format",
            "X-ClickHouse-Timezone",
            "X-ClickHouse-Server-Display-Name",
            "X-ClickHouse-Exception-Code",
            "X-ClickHouse-Progress"
          })
          List<String> exposedHeaders,
      @DefaultValue("30m") @NotNull Duration maxAge,
      @DefaultValue("60s") @NotNull Duration eventTokenTtl) {

    public Cors {
      allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
      allowedMethods = allowedMethods == null ? List.of() : List.copyOf(allowedMethods);
      allowedHeaders = allowedHeaders == null ? List.of() : List.copyOf(allowedHeaders);
      exposedHeaders = exposedHeaders == null ? List.of() : List.copyOf(exposedHeaders);
    }
  }

  /**
   * The origins whose pages may call the API from a browser: {@code cors.allowed-origins} and,
   * under its former name, {@code allowed-origins}.
   */
  public List<String> corsOrigins() {
    return Stream.concat(cors.allowedOrigins().stream(), allowedOrigins.stream())
        .map(String::strip)
        .filter(origin -> !origin.isEmpty())
        .distinct()
        .toList();
  }

  /** Who shares executions: the tier's users, or each user alone. */
  public enum ShareScope {
    TIER,
    USER
  }

  /** How callers are identified. */
  public enum AuthMode {
    /** No authentication: the user header (else the client address) names the caller. */
    NONE,
    /** A bearer JWT names the caller (sub), their tiers (tier claim, roles) and roles. */
    JWT
  }

  /** The share scope in force: the configured one, else per user with tokens, per tier without. */
  public ShareScope effectiveShareScope() {
    if (shareScope != null) {
      return shareScope;
    }
    return auth.mode() == AuthMode.JWT ? ShareScope.USER : ShareScope.TIER;
  }

  /**
   * @param progressInterval how often the progress of a synchronous run that streams events is read
   *     (one system.processes query per ClickHouse node for all of them)
   * @param clientCheck how often the connection of a client waiting for an interactive query is
   *     checked; a client that left has its query killed
   * @param maxEventResult the largest result a synchronous run's {@code result} event carries; a
   *     larger one ends the stream with an {@code error} event that points to the async API
   */
  public record Interactive(
      @DefaultValue("500ms") @NotNull Duration progressInterval,
      @DefaultValue("250ms") @NotNull Duration clientCheck,
      @DefaultValue("10MB") @NotNull DataSize maxEventResult) {}

  /**
   * How much of a result a preview answers, in characters: a value longer than maxValueSize is cut,
   * a row takes values up to maxRowSize, and the preview takes rows up to maxSize.
   *
   * @param maxValueSize the longest value shown whole
   * @param maxRowSize the most of one row shown
   * @param maxSize the most a preview answers
   */
  public record Preview(
      @DefaultValue("8KB") @NotNull DataSize maxValueSize,
      @DefaultValue("64KB") @NotNull DataSize maxRowSize,
      @DefaultValue("1MB") @NotNull DataSize maxSize) {}

  /**
   * What one user may hold open at once in one API instance, so that no user can take what the
   * others need: beyond, a request is refused with 429 and Retry-After. 0 means no bound but the
   * instance's own.
   *
   * @param eventStreams open event streams ({@code /events})
   * @param waits requests waiting for a change ({@code wait} of a create or get)
   * @param downloads result downloads in progress (by token or signed link)
   * @param stalledDownloadRate a download that sends less than this a second for
   *     stalledDownloadAfter is cut (the reader is too slow to be worth a connection and a stored
   *     object's stream); 0 turns it off
   * @param stalledDownloadAfter how long a download may stay below stalledDownloadRate
   */
  public record PerUser(
      @DefaultValue("20") @Min(0) int eventStreams,
      @DefaultValue("50") @Min(0) int waits,
      @DefaultValue("8") @Min(0) int downloads,
      @DefaultValue("1KB") @NotNull DataSize stalledDownloadRate,
      @DefaultValue("60s") @NotNull Duration stalledDownloadAfter) {}

  /**
   * @param maxPerUser schedules one user may have, paused or not; a create beyond is refused with
   *     409
   * @param minInterval the shortest interval of a schedule, and the shortest gap between two
   *     instants of its cron expression
   */
  public record Schedules(
      @DefaultValue("50") @Min(1) int maxPerUser,
      @DefaultValue("1m") @NotNull Duration minInterval) {}

  /**
   * @param maxSize memory the copies may take (their SQL and answers); 0 keeps none
   * @param expiryMargin a copy is served only until this long before its execution expires, and
   *     read again from then on: more than the difference between this instance's clock and the
   *     database's
   */
  public record SettledCache(
      @DefaultValue("64MB") @NotNull DataSize maxSize,
      @DefaultValue("30s") @NotNull Duration expiryMargin) {}

  /**
   * @param oidc the identity provider that signs users in to the console (with jwt auth); without
   *     one, users paste a token
   */
  public record Ui(@DefaultValue @Valid Oidc oidc) {}

  /**
   * An OpenID Connect login for the console: the authorization code flow with PKCE, run by the
   * browser (a public client, no secret), whose token the console then sends to the API.
   *
   * @param issuer the provider's issuer URL (its discovery document is under {@code
   *     /.well-known/openid-configuration}); none turns the login off. The console may connect to
   *     this origin only (its Content-Security-Policy), so the token endpoint must be there too.
   * @param clientId the console's client id at the provider, allowed the redirect URI {@code <this
   *     API>/ui/}
   * @param scopes the scopes asked for
   * @param token which token the console sends to the API: {@code access} (the access token) or
   *     {@code id} (the ID token), whichever the API's JWT settings accept
   */
  public record Oidc(
      URI issuer,
      @DefaultValue("") String clientId,
      @DefaultValue("openid") String scopes,
      @DefaultValue("access") String token) {

    public boolean enabled() {
      return issuer != null;
    }
  }

  /**
   * @param requestsPerSecond the rate one user's requests are refilled at; 0 turns the limit off
   * @param burst how many requests one user may send at once before the rate applies
   */
  public record RateLimit(
      @DefaultValue("50") @Min(0) int requestsPerSecond, @DefaultValue("200") @Min(1) int burst) {}

  /**
   * @param mode none (one trusted person, local use) or jwt
   * @param jwtSecret the HS256 key of the tokens (at least 32 bytes); or set jwkSetUri
   * @param jwkSetUri where the token issuer publishes its keys (JWKS), when not HS256
   * @param algorithms the signature algorithms accepted from the JWKS; tokens signed otherwise are
   *     refused
   * @param issuer when set, a token's {@code iss} must be this
   * @param audience when set, a token's {@code aud} must contain this
   * @param clockSkew how far a token's {@code exp} and {@code nbf} may be off the server's clock
   * @param adminRole the role (in the roles claim) that sees and cancels every execution
   * @param roleTiers the tiers each role may use, besides those of the token's {@code tier} claim;
   *     {@code *} stands for every tier. A token with neither uses only the default tier.
   */
  public record Auth(
      @DefaultValue("none") @NotNull AuthMode mode,
      @DefaultValue("") String jwtSecret,
      URI jwkSetUri,
      @DefaultValue("RS256") List<String> algorithms,
      @DefaultValue("") String issuer,
      @DefaultValue("") String audience,
      @DefaultValue("60s") @NotNull Duration clockSkew,
      @DefaultValue("admin") @NotBlank String adminRole,
      @DefaultValue Map<String, List<String>> roleTiers) {

    public Auth {
      algorithms = algorithms == null ? List.of() : List.copyOf(algorithms);
      roleTiers = roleTiers == null ? Map.of() : Map.copyOf(roleTiers);
    }
  }
}
