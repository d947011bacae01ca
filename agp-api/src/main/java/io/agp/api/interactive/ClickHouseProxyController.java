package io.agp.api.interactive;

import io.agp.api.AnswerCompression;
import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestBodies;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.api.auth.TierAccess;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.tier.QueryPolicy;
import io.agp.tier.TierProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/chproxy/}: ClickHouse's HTTP interface behind the gateway's auth and tiers. A query
 * comes as ClickHouse takes it (the {@code query} URL parameter and/or the body, settings and
 * {@code param_} values as URL parameters, {@code database}, {@code default_format}, {@code
 * session_id}, HTTP compression) and goes to a node of the caller's tier with the tier's settings,
 * run-time bound, read-only default and the caller's quota key; ClickHouse's status, its {@code
 * X-ClickHouse-*} headers and body come back untouched. What the tier does not allow (see {@link
 * io.agp.tier.QueryPolicy}) is refused (400), whether a setting in the URL or anything in the SQL.
 *
 * <p>The answer can never be a page of AGP's origin: it carries {@code X-Content-Type-Options:
 * nosniff}, a Content-Security-Policy that allows nothing and sandboxes it, and a Content-Type of
 * one of ClickHouse's formats ({@code application/octet-stream} for any other).
 *
 * <p>The caller's token comes as a bearer token, or as the password of Basic auth, the {@code
 * X-ClickHouse-Key} header or the {@code password} parameter, since most ClickHouse clients can
 * only send a user and a password (see {@link ProxyCredentials}).
 *
 * <p>Each query's ClickHouse id starts with {@code agp-chproxy-} and a tag of the caller, followed
 * by the client's own query_id when it sends one; a session id is kept apart per caller the same
 * way, and a session's queries go to one node.
 */
@RestController
class ClickHouseProxyController {

  static final String QUERY_ID_PREFIX = "agp-chproxy-";

  /** The header, or URL parameter, that picks a tier other than the caller's own. */
  static final String TIER_HEADER = "X-AGP-Tier";

  static final String TIER_PARAMETER = "agp_tier";

  private static final int MAX_CLIENT_ID_LENGTH = 128;
  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

  /** The credentials ClickHouse clients send as parameters: the token's, never ClickHouse's. */
  private static final Set<String> CREDENTIALS = Set.of("user", "password");

  /**
   * Parameters of ClickHouse's HTTP interface that are not settings and change only how the answer
   * is written or how long a session lives: passed as they are. Any other parameter but {@code
   * param_} values is a setting, which the tier must let a query change.
   */
  private static final Set<String> INTERFACE_PARAMETERS =
      Set.of("default_format", "compress", "session_timeout", "session_check");

  /** The Content-Types of ClickHouse's formats; an answer with any other is sent as bytes. */
  private static final Set<String> FORMAT_TYPES =
      Set.of(
          "text/plain",
          "text/csv",
          "text/tab-separated-values",
          "text/markdown",
          "application/json",
          "application/x-ndjson",
          "application/jsonl",
          "application/xml",
          "application/octet-stream",
          "application/x-protobuf",
          "application/vnd.apache.parquet",
          "application/vnd.apache.arrow.file",
          "application/vnd.apache.arrow.stream",
          "application/vnd.apache.avro");

  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

  private final Callers callers;
  private final InteractiveQueries queries;
  private final ClientWatch watch;
  private final ApiProperties properties;

  ClickHouseProxyController(
      Callers callers, InteractiveQueries queries, ClientWatch watch, ApiProperties properties) {
    this.callers = callers;
    this.queries = queries;
    this.watch = watch;
    this.properties = properties;
  }

  /** What ClickHouse's own {@code /ping} answers, for clients that check the server first. */
  @GetMapping(path = "/v1/chproxy/ping", produces = MediaType.TEXT_PLAIN_VALUE)
  String ping() {
    return "Ok.\n";
  }

  @RequestMapping(
      path = {"/v1/chproxy", "/v1/chproxy/"},
      method = {RequestMethod.GET, RequestMethod.POST})
  void query(HttpServletRequest http, HttpServletResponse response) throws IOException {
    // ClickHouse's answer goes out as ClickHouse wrote it (compressed by it when the client asks).
    AnswerCompression.sendAsIs(http);
    Caller caller = callers.current(http);
    // Parsed by hand, never through getParameter: that would read a form-encoded body (curl -d
    // sends one) as parameters, where ClickHouse reads the body as SQL.
    Map<String, String> url = queryString(http.getQueryString());
    boolean post = "POST".equals(http.getMethod());
    String body =
        post
            ? new String(
                RequestBodies.read(http, properties.maxSqlSize().toBytes()), StandardCharsets.UTF_8)
            : "";
    String queryParameter = url.remove("query");
    String sql =
        queryParameter == null || queryParameter.isEmpty() ? body : queryParameter + "\n" + body;
    String tier = http.getHeader(TIER_HEADER);
    String tierParameter = url.remove(TIER_PARAMETER);
    if (tier == null) {
      tier = tierParameter;
    }
    if (tier == null || tier.isBlank()) {
      tier = TierAccess.tierOf(caller, properties.defaultTier());
    }
    String database = url.remove("database");
    String clientQueryId = url.remove("query_id");
    String session = url.remove("session_id");
    CREDENTIALS.forEach(url::remove);
    if ("1".equals(url.get("decompress"))) {
      throw new InvalidRequestException(
          "decompress", "the proxy takes the query as plain text; send it without decompress=1");
    }
    url.remove("decompress");
    String tag = userTag(caller.user());
    String queryId =
        QUERY_ID_PREFIX
            + tag
            + "-"
            + (clientQueryId == null || clientQueryId.isBlank()
                ? UUID.randomUUID().toString()
                : bounded("query_id", clientQueryId));
    Map<String, String> own = new LinkedHashMap<>();
    // Before the run is charged to a budget: a refused parameter costs no run.
    RunningQuery query =
        queries.prepare(
            InteractiveQueries.Api.CHPROXY,
            caller,
            tier,
            sql,
            queryId,
            policy -> {
              policy.checkDatabase("database", database);
              own.putAll(checked(url, policy));
            });
    ClientConnections.ClientConnection client = ClientConnections.of(http);
    try (query;
        ClientWatch.Watched watched = watch.watch(client, query::kill)) {
      if (session != null && !session.isBlank()) {
        own.put("session_id", "agp-" + tag + "-" + bounded("session_id", session));
      }
      Map<String, String> headers = new LinkedHashMap<>();
      String encodings = http.getHeader(HttpHeaders.ACCEPT_ENCODING);
      if (encodings != null) {
        headers.put(HttpHeaders.ACCEPT_ENCODING, encodings);
      }
      String affinity = own.get("session_id");
      ClickHouseResponse answer;
      try {
        answer =
            query.send(
                Map.of(),
                affinity,
                (node, settings) ->
                    node.forward(queryId, sql, database, merged(settings, own, !post), headers));
      } catch (RunningQuery.ClientGoneException e) {
        return;
      }
      response.setStatus(answer.status());
      String contentType = null;
      for (Map.Entry<String, String> header : answer.headers()) {
        if (header.getKey().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
          contentType = header.getValue();
        } else if (passed(header.getKey())) {
          response.addHeader(header.getKey(), header.getValue());
        }
      }
      response.setHeader(HttpHeaders.CONTENT_TYPE, formatType(contentType));
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      response.setHeader("X-AGP-Tier", tier);
      Relay.copy(query, answer.body(), response, client);
      if (answer.status() != 200) {
        // ClickHouse's error, passed on whole: the query failed.
        query.ended(RunningQuery.Outcome.FAILED);
      }
    }
  }

  /**
   * The URL parameters to send: the query's own values, interface parameters, and settings the tier
   * lets a query change, within their bounds.
   */
  private static Map<String, String> checked(Map<String, String> url, QueryPolicy policy) {
    Map<String, String> own = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : url.entrySet()) {
      String name = entry.getKey();
      if (!PARAMETER_NAME.matcher(name).matches()) {
        throw new InvalidRequestException(name, "'" + name + "' is not a ClickHouse parameter");
      }
      if (!name.startsWith("param_") && !INTERFACE_PARAMETERS.contains(name)) {
        policy.checkSetting(name, entry.getValue());
      }
      own.put(name, entry.getValue());
    }
    return own;
  }

  /** ClickHouse's Content-Type when it is one of its formats', else bytes. */
  static String formatType(String contentType) {
    if (contentType == null) {
      return MediaType.APPLICATION_OCTET_STREAM_VALUE;
    }
    int semicolon = contentType.indexOf(';');
    String type =
        (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
            .strip()
            .toLowerCase(Locale.ROOT);
    return FORMAT_TYPES.contains(type) ? contentType : MediaType.APPLICATION_OCTET_STREAM_VALUE;
  }

  /**
   * The tier's settings, the query's own over those the tier does not lock, and {@code readonly}
   * last (so that it cannot stop the others from being applied). A GET is read-only, as ClickHouse
   * makes it.
   */
  private static Map<String, String> merged(
      Map<String, String> tierSettings, Map<String, String> own, boolean get) {
    Map<String, String> merged = new LinkedHashMap<>(tierSettings);
    String readonly = merged.remove(TierProperties.READONLY);
    merged.putAll(own);
    if (get && (readonly == null || readonly.strip().equals("0"))) {
      readonly = "2";
    }
    if (readonly != null) {
      merged.put(TierProperties.READONLY, readonly);
    }
    return merged;
  }

  /** The headers of ClickHouse's answer a client of its interface reads, but its Content-Type. */
  private static boolean passed(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.startsWith("x-clickhouse-") || lower.equals("content-encoding");
  }

  private static String bounded(String field, String value) {
    if (value.length() > MAX_CLIENT_ID_LENGTH) {
      throw new InvalidRequestException(
          field, field + " has at most " + MAX_CLIENT_ID_LENGTH + " characters");
    }
    return value;
  }

  /**
   * A short tag of the caller, in every query and session id of theirs: another caller cannot name
   * (and so replace or join) them.
   */
  static String userTag(String user) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(user.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The URL's parameters, decoded as ClickHouse decodes them; the first of a repeated name. */
  static Map<String, String> queryString(String raw) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        parameters.putIfAbsent(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(null, "the query string is malformed");
      }
    }
    return parameters;
  }
}
