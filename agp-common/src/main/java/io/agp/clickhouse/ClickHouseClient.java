package io.agp.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * Runs queries on one ClickHouse node over its HTTP interface, which every server version from
 * 18.16 to today speaks alike; the result bytes are handed over in the requested format, never
 * parsed or buffered whole.
 *
 * <p>Thread-safe; one instance per endpoint is meant to be shared.
 */
public final class ClickHouseClient implements AutoCloseable {

  private static final int ERROR_BODY_LIMIT = 64 * 1024;
  private static final Duration INTERNAL_QUERY_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<Integer> TRANSIENT_STATUSES = Set.of(502, 503, 504);
  private static final Duration STALE_CONNECTION_WINDOW = Duration.ofSeconds(1);

  // URL parameters that are not settings: letting a caller's settings replace them would change
  // what runs, as whom, or how the body is encoded.
  /** Sent as the X-ClickHouse-Quota header when given among the settings. */
  public static final String QUOTA_KEY = "quota_key";

  private static final Set<String> RESERVED_PARAMETERS =
      Set.of("query", "query_id", "database", "user", "password", "compress", "decompress");

  /**
   * The parameters a forwarded query may not carry: its text, id and database are arguments of
   * their own, the credentials are the endpoint's, and its body is sent as plain text.
   */
  private static final Set<String> FORWARD_RESERVED_PARAMETERS =
      Set.of("query", "query_id", "database", "user", "password", "decompress");

  private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

  /**
   * Where it exists and until 25.11 this is on by default and turns a late error in the JSON
   * formats into a well-formed {@code "exception"} member: a body that ends cleanly and cannot be
   * told from data. Switched off where the server knows it, the error comes as text that the body
   * guard recognises. 18.16 does not know it, and an unknown setting would fail every query.
   */
  private static final String EXCEPTION_IN_FORMAT = "http_write_exception_in_output_format";

  private final ClickHouseEndpoint endpoint;
  private final ClickHouseHttp http;
  private final ClickHouseSystemQueries system = new ClickHouseSystemQueries(this);
  private volatile Boolean serverKnowsExceptionInFormat;

  public ClickHouseClient(ClickHouseEndpoint endpoint, Duration connectTimeout) {
    this(endpoint, connectTimeout, Duration.ZERO);
  }

  /**
   * @param readTimeout the longest wait for a byte of a query's answer, after which the query fails
   *     as transient (see {@link #isReadTimeout}); zero waits for ever. A frozen server or a
   *     connection cut without a reset would otherwise hold an attempt for good.
   */
  public ClickHouseClient(
      ClickHouseEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
    this(endpoint, connectTimeout, readTimeout, null);
  }

  /**
   * The same, trusting for https what this TLS context trusts rather than the JVM's trust store.
   */
  ClickHouseClient(
      ClickHouseEndpoint endpoint, Duration connectTimeout, Duration readTimeout, SSLContext tls) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.http =
        new ClickHouseHttp(
            endpoint.url().getAuthority(),
            Objects.requireNonNull(connectTimeout, "connectTimeout"),
            Objects.requireNonNull(readTimeout, "readTimeout"),
            tls);
  }

  /**
   * Starts a query and returns as soon as the response headers are in; the rows follow in {@link
   * ClickHouseResponse#body()}. The caller closes the response.
   *
   * @param queryId sent as {@code query_id}, so that the query can be watched and killed; null lets
   *     the server pick one
   * @param sql the statement, with its {@code FORMAT} clause
   * @param settings ClickHouse settings sent as URL parameters; only ones the server knows (see
   *     {@link #knownSettings()}), since an unknown setting fails the query
   * @throws ClickHouseException when the server refuses or fails the query before sending rows, or
   *     cannot be reached ({@link ClickHouseException#isTransient()})
   */
  public ClickHouseResponse execute(String queryId, String sql, Map<String, String> settings) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(settings, "settings");
    Map<String, String> effective = new LinkedHashMap<>(settings);
    if (!effective.containsKey(EXCEPTION_IN_FORMAT) && serverKnowsExceptionInFormat()) {
      effective.put(EXCEPTION_IN_FORMAT, "0");
    }
    // With header authentication ClickHouse refuses a quota_key URL parameter (code 194).
    String quotaKey = effective.remove(QUOTA_KEY);
    return stream(queryId, sql, effective, quotaKey);
  }

  /**
   * Sends a query as a client of ClickHouse's HTTP interface does and hands back the answer as the
   * server sent it: any status, every header, and a body neither checked for a late error nor
   * decoded. For a gateway that passes ClickHouse's answers through to its own clients.
   *
   * @param queryId sent as {@code query_id}
   * @param sql the statement, sent as the body
   * @param database the database of unqualified names, or null for the endpoint's
   * @param parameters URL parameters: settings, {@code param_} values and the other parameters the
   *     HTTP interface takes ({@code default_format}, {@code session_id}, {@code compress}); not
   *     query, query_id, database, user, password or decompress
   * @param headers request headers to send too, e.g. {@code Accept-Encoding}
   * @throws ClickHouseException when the server cannot be reached
   */
  public ClickHouseResponse forward(
      String queryId,
      String sql,
      String database,
      Map<String, String> parameters,
      Map<String, String> headers) {
    Objects.requireNonNull(sql, "sql");
    for (String name : parameters.keySet()) {
      if (FORWARD_RESERVED_PARAMETERS.contains(name)) {
        throw new IllegalArgumentException("not a parameter to forward: " + name);
      }
    }
    Map<String, String> settings = new LinkedHashMap<>(parameters);
    String quotaKey = settings.remove(QUOTA_KEY);
    URI uri = uri(queryId, database, settings, Set.of());
    Map<String, String> sent = headers(quotaKey);
    headers.forEach(sent::putIfAbsent);
    byte[] body = sql.getBytes(StandardCharsets.UTF_8);
    ClickHouseHttp.Exchange exchange = exchange(() -> http.stream(uri, sent, body));
    return new ClickHouseResponse(exchange, exchange.body());
  }

  /**
   * What AGP asks this node besides its users' queries (progress, query log, version, settings,
   * kills), over this client's connections.
   */
  public ClickHouseSystemQueries system() {
    return system;
  }

  /** Aborts the exchanges still open; the server cancels their queries when it notices. */
  @Override
  public void close() {
    http.close();
  }

  private boolean serverKnowsExceptionInFormat() {
    Boolean known = serverKnowsExceptionInFormat;
    if (known == null) {
      // Racing first calls may both ask: the answer is the same and asking is cheap.
      known = system.knownSettings().contains(EXCEPTION_IN_FORMAT);
      serverKnowsExceptionInFormat = known;
    }
    return known;
  }

  /** Runs a query whose answer may be large, its reads watched by the read timeout. */
  private ClickHouseResponse stream(
      String queryId, String sql, Map<String, String> settings, String quotaKey) {
    URI uri = uri(queryId, settings);
    byte[] body = sql.getBytes(StandardCharsets.UTF_8);
    return answer(exchange(() -> http.stream(uri, headers(quotaKey), body)));
  }

  /** Runs a small internal query. */
  private ClickHouseResponse send(String sql, Map<String, String> settings, String quotaKey) {
    URI uri = uri(null, settings);
    byte[] body = sql.getBytes(StandardCharsets.UTF_8);
    return answer(
        exchange(() -> http.internal(uri, headers(quotaKey), body, INTERNAL_QUERY_TIMEOUT)));
  }

  /** One exchange, sent again once if it met a kept-alive connection the server had closed. */
  private ClickHouseHttp.Exchange exchange(ExchangeSender sender) {
    for (int attempt = 1; ; attempt++) {
      long sent = System.nanoTime();
      try {
        return sender.send();
      } catch (IOException e) {
        if (attempt == 1 && isStaleConnection(e, System.nanoTime() - sent)) {
          continue;
        }
        throw unreachable(e);
      }
    }
  }

  @FunctionalInterface
  private interface ExchangeSender {
    ClickHouseHttp.Exchange send() throws IOException;
  }

  private Map<String, String> headers(String quotaKey) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-ClickHouse-User", endpoint.user());
    if (!endpoint.password().isEmpty()) {
      headers.put("X-ClickHouse-Key", endpoint.password());
    }
    if (quotaKey != null) {
      headers.put("X-ClickHouse-Quota", quotaKey);
    }
    return headers;
  }

  private ClickHouseResponse answer(ClickHouseHttp.Exchange exchange) {
    Optional<String> exceptionCode = exchange.header("X-ClickHouse-Exception-Code");
    if (exchange.status() == 200 && exceptionCode.isEmpty()) {
      InputStream body =
          new TrailingExceptionDetector(
              exchange.body(), exchange.header("X-ClickHouse-Exception-Tag").orElse(null));
      return new ClickHouseResponse(exchange, body);
    }
    try (exchange) {
      throw failed(exchange.status(), exchange.body(), exceptionCode);
    }
  }

  /**
   * ClickHouse closes an idle keep-alive connection after 3 s by default, and a pool can hand out
   * that connection just as it closes: the request then fails at once with no byte of answer. The
   * pool checks a connection idle for more than half a second, which leaves a narrow window; a
   * query goes as POST, which no client retries for itself, so the one retry is done here. A
   * connection cut after a while (a proxy's idle timeout under a long aggregate) is not retried:
   * the query may still run under the same query_id.
   */
  private static boolean isStaleConnection(IOException e, long elapsedNanos) {
    return elapsedNanos < STALE_CONNECTION_WINDOW.toNanos()
        && !(e instanceof ReadWatchdog.ReadTimeout)
        && !isConnectFailure(e);
  }

  /** No connection was made: the host is unknown, refused, or did not answer in time. */
  private static boolean isConnectFailure(IOException e) {
    return hasCause(e, ConnectException.class)
        || hasCause(e, ConnectTimeoutException.class)
        || hasCause(e, UnknownHostException.class);
  }

  private URI uri(String queryId, Map<String, String> settings) {
    return uri(queryId, null, settings, RESERVED_PARAMETERS);
  }

  private URI uri(
      String queryId, String database, Map<String, String> settings, Set<String> reserved) {
    StringBuilder query = new StringBuilder();
    if (queryId != null) {
      appendParameter(query, "query_id", queryId);
    }
    String effectiveDatabase = database != null ? database : endpoint.database();
    if (effectiveDatabase != null) {
      appendParameter(query, "database", effectiveDatabase);
    }
    settings.forEach(
        (name, value) -> {
          if (!SETTING_NAME.matcher(name).matches() || reserved.contains(name)) {
            throw new IllegalArgumentException("not a ClickHouse setting: " + name);
          }
          appendParameter(query, name, Objects.requireNonNull(value, name));
        });
    String base = endpoint.url().toString();
    if (endpoint.url().getRawPath() == null || endpoint.url().getRawPath().isEmpty()) {
      base += "/";
    }
    if (query.isEmpty()) {
      return URI.create(base);
    }
    return URI.create(base + (base.contains("?") ? "&" : "?") + query);
  }

  private static void appendParameter(StringBuilder query, String name, String value) {
    if (!query.isEmpty()) {
      query.append('&');
    }
    query.append(encode(name)).append('=').append(encode(value));
  }

  // URLEncoder writes spaces as '+', which is form encoding; %20 means a space to every parser.
  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private ClickHouseException unreachable(IOException e) {
    // Nothing was answered, so nothing of the query is known to have run: refused connections,
    // timeouts and connections cut before the headers are all worth another try. Only when no
    // connection was made is the query known not to run there at all.
    String reason =
        hasCause(e, ConnectTimeoutException.class)
            ? "connect timeout"
            : hasCause(e, ConnectException.class)
                ? "connection refused"
                : e instanceof ReadWatchdog.ReadTimeout ? e.getMessage() : e.toString();
    String message = "cannot reach ClickHouse at " + endpoint.url() + ": " + reason;
    if (isConnectFailure(e)) {
      return new ClickHouseUnreachableException(message, e);
    }
    return new ClickHouseException(message, 0, true, e);
  }

  /** Whether a failure came from a server that sent nothing for longer than the read timeout. */
  public static boolean isReadTimeout(Throwable e) {
    return hasCause(e, ReadWatchdog.ReadTimeout.class);
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static ClickHouseException failed(
      int status, InputStream errorBody, Optional<String> exceptionCode) {
    String text;
    try (InputStream body = errorBody) {
      text = new String(body.readNBytes(ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
    } catch (IOException e) {
      text = "(error body unreadable: " + e + ")";
    }
    ServerError error = ServerError.parse(text);
    int code = error.code();
    if (code == 0 && exceptionCode.isPresent()) {
      try {
        code = Integer.parseInt(exceptionCode.get().strip());
      } catch (NumberFormatException e) {
        // keep 0: the header was not a number
      }
    }
    boolean transientFailure =
        TRANSIENT_STATUSES.contains(status) || ServerError.isTransientCode(code);
    String message =
        error.code() > 0
            ? "Code: " + code + ". " + error.message()
            : "HTTP " + status + (text.isBlank() ? "" : ": " + text.strip());
    return new ClickHouseException(message, code, transientFailure);
  }

  /**
   * Sends one of {@link ClickHouseSystemQueries}' small queries, with a short timeout; the caller
   * reads and closes the answer.
   */
  ClickHouseResponse internal(String sql, Map<String, String> settings) {
    Map<String, String> effective = new LinkedHashMap<>(settings);
    String quotaKey = effective.remove(QUOTA_KEY);
    return send(sql, effective, quotaKey);
  }

  /** A ClickHouse string literal; backslash and quote escaped, so any text stays one literal. */
  static String quote(String value) {
    Objects.requireNonNull(value, "value");
    StringBuilder literal = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> literal.append("\\\\");
        case '\'' -> literal.append("\\'");
        case '\n' -> literal.append("\\n");
        case '\r' -> literal.append("\\r");
        case '\t' -> literal.append("\\t");
        case '\0' -> literal.append("\\0");
        default -> literal.append(c);
      }
    }
    return literal.append('\'').toString();
  }
}
