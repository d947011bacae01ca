package io.agp.clickhouse;

import io.agp.clickhouse.ReadWatchdog.ReadTimeout;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP exchanges with one ClickHouse node, over Apache HttpClient 5's classic API: the answer
 * is read on the calling thread, from the socket into the reader's buffer, which for a result of a
 * gigabyte costs about what curl costs (bench/README.md, "One transport to ClickHouse").
 *
 * <p>Results and the small internal queries each have a pool of kept-alive connections: the
 * results' sockets are watched (below) and have large buffers, the internal ones small buffers. A
 * result read to its end gives its connection back to the pool, which saves a connection and its
 * buffer per query (bench/README.md, "One transport to ClickHouse"); a result abandoned before its
 * end cuts its connection, which is how a running query is stopped.
 *
 * <p>No socket timeout: a read watchdog of this client bounds the waits for the server instead,
 * each read of a result's socket by the read timeout and an internal exchange as a whole.
 */
final class ClickHouseHttp implements AutoCloseable {

  /** One read of a result takes what has arrived, up to this much. */
  static final int STREAM_BUFFER = 256 * 1024;

  private static final int INTERNAL_CONNECTIONS = 64;
  // Idle longer than this, a pooled connection is checked before it is used again: ClickHouse
  // closes idle ones after 3 s by default.
  private static final TimeValue VALIDATE_AFTER = TimeValue.ofMilliseconds(500);

  private final RequestConfig requestConfig;
  private final CloseableHttpClient streams;
  private final CloseableHttpClient internal;
  private final ReadWatchdog watchdog;
  private final Set<Exchange> open = ConcurrentHashMap.newKeySet();

  /**
   * @param readTimeout the longest wait for a byte of a result (head or body); zero waits for ever
   * @param tls the TLS context for https; null for the JVM's (its trust store)
   */
  ClickHouseHttp(String name, Duration connectTimeout, Duration readTimeout, SSLContext tls) {
    this.requestConfig =
        RequestConfig.custom()
            .setConnectionRequestTimeout(Timeout.of(connectTimeout))
            .setResponseTimeout(Timeout.DISABLED)
            .build();
    this.watchdog = new ReadWatchdog("agp-read-watchdog-" + name);
    TlsSocketStrategy tlsStrategy =
        tls == null
            ? DefaultClientTlsStrategy.createSystemDefault()
            : new DefaultClientTlsStrategy(tls);
    // A result's sockets watch their own reads, so that a TLS record or a response head that
    // trickles in is never cut while bytes arrive.
    DetachedSocketFactory sockets =
        proxy -> readTimeout.isZero() ? new Socket() : new WatchedSocket(watchdog, readTimeout);
    this.streams =
        client(
            connectTimeout,
            new DefaultHttpClientConnectionOperator(
                sockets,
                null,
                null,
                RegistryBuilder.<TlsSocketStrategy>create().register("https", tlsStrategy).build()),
            STREAM_BUFFER,
            Integer.MAX_VALUE);
    this.internal =
        client(
            connectTimeout,
            new DefaultHttpClientConnectionOperator(
                null,
                null,
                RegistryBuilder.<TlsSocketStrategy>create().register("https", tlsStrategy).build()),
            8 * 1024,
            INTERNAL_CONNECTIONS);
  }

  private static CloseableHttpClient client(
      Duration connectTimeout,
      HttpClientConnectionOperator operator,
      int bufferSize,
      int connections) {
    Timeout connect = Timeout.of(connectTimeout);
    PoolingHttpClientConnectionManager pool =
        new PoolingHttpClientConnectionManager(
            operator,
            PoolConcurrencyPolicy.STRICT,
            PoolReusePolicy.LIFO,
            TimeValue.NEG_ONE_MILLISECOND,
            ManagedHttpClientConnectionFactory.builder()
                .http1Config(Http1Config.custom().setBufferSize(bufferSize).build())
                .build());
    pool.setMaxTotal(connections);
    pool.setDefaultMaxPerRoute(connections);
    pool.setDefaultSocketConfig(
        SocketConfig.custom()
            .setSoTimeout(Timeout.DISABLED)
            .setTcpNoDelay(true)
            .setSoKeepAlive(true)
            .build());
    pool.setDefaultConnectionConfig(
        ConnectionConfig.custom()
            .setConnectTimeout(connect)
            .setSocketTimeout(Timeout.DISABLED)
            .setValidateAfterInactivity(VALIDATE_AFTER)
            .build());
    pool.setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(connect).build());
    // The minimal client: no proxies, authentication, cookies, redirects or retries, which
    // ClickHouse's interface has no use for and which cost about a tenth of a millisecond of CPU
    // per query in the full client's chain (bench/README.md, "One transport to ClickHouse").
    return HttpClients.createMinimal(pool);
  }

  /**
   * Posts a query whose answer may be large, on a watched connection, and returns once the status
   * and headers are in; each wait for the server is bounded by the read timeout.
   *
   * @throws ReadTimeout when the server was silent for longer than the read timeout
   * @throws IOException when no connection could be made or it failed before the head
   */
  Exchange stream(URI uri, Map<String, String> headers, byte[] body) throws IOException {
    return post(streams, uri, headers, body, Duration.ZERO);
  }

  /**
   * Posts a small query on a pooled connection; the whole exchange, head and body, must end within
   * {@code timeout}.
   */
  Exchange internal(URI uri, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    return post(internal, uri, headers, body, timeout);
  }

  private Exchange post(
      CloseableHttpClient client,
      URI uri,
      Map<String, String> headers,
      byte[] body,
      Duration timeout)
      throws IOException {
    HttpPost post = new HttpPost(uri);
    headers.forEach(
        (name, value) -> {
          // A line break in a value would start a header, or a request, of the sender's choosing.
          if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in the value of header " + name);
          }
          post.addHeader(name, value);
        });
    post.setHeader("User-Agent", "agp");
    post.setConfig(requestConfig);
    post.setEntity(new ByteArrayEntity(body, ContentType.TEXT_PLAIN.withCharset("UTF-8")));
    Exchange exchange = new Exchange(post, timeout);
    open.add(exchange);
    try {
      exchange.send(client, new HttpHost(uri.getScheme(), uri.getHost(), uri.getPort()));
      return exchange;
    } catch (IOException | RuntimeException e) {
      exchange.close();
      throw e;
    }
  }

  /** Aborts the exchanges still open and closes the connections. */
  @Override
  public void close() {
    for (Exchange exchange : open) {
      exchange.close();
    }
    watchdog.close();
    streams.close(CloseMode.IMMEDIATE);
    internal.close(CloseMode.IMMEDIATE);
  }

  /** One request and its answer: the status and headers are in, the body is read as it arrives. */
  final class Exchange implements AutoCloseable {

    private final HttpPost post;
    private final Duration timeout;
    // Bounds the whole exchange when it has a timeout of its own.
    private final ReadWatchdog.Watch watch;
    private ClassicHttpResponse response;
    private Map<String, String> headers;
    private InputStream body;
    private volatile boolean ended;

    private Exchange(HttpPost post, Duration timeout) {
      this.post = post;
      this.timeout = timeout;
      this.watch = timeout.isZero() ? null : watchdog.watch(post::cancel);
    }

    private void send(CloseableHttpClient client, HttpHost target) throws IOException {
      if (watch != null) {
        watch.waitFor(timeout);
      }
      try {
        response = client.executeOpen(target, post, null);
      } catch (IOException e) {
        throw timedOut(e);
      }
      headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Header header : response.getHeaders()) {
        headers.putIfAbsent(header.getName(), header.getValue());
      }
      HttpEntity entity = response.getEntity();
      body = new Body(entity == null ? InputStream.nullInputStream() : entity.getContent());
    }

    int status() {
      return response.getCode();
    }

    Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name));
    }

    /**
     * Every header of the answer, in the order the server sent them, repeated ones too; read from
     * the response when asked, since only a forwarded answer needs them.
     */
    List<Map.Entry<String, String>> headers() {
      List<Map.Entry<String, String>> all = new ArrayList<>();
      for (Header header : response.getHeaders()) {
        all.add(Map.entry(header.getName(), header.getValue()));
      }
      return all;
    }

    /** The body as it arrives; a wait longer than allowed fails with a {@link ReadTimeout}. */
    InputStream body() {
      return body;
    }

    /**
     * Ends the exchange; before the body's end this cuts the connection, at once and from any
     * thread, and the server cancels the query when it notices.
     */
    @Override
    public void close() {
      if (!open.remove(this)) {
        return;
      }
      if (watch != null) {
        watch.close();
      }
      if (!ended) {
        post.cancel();
      }
      if (response != null) {
        try {
          response.close();
        } catch (IOException e) {
          // the connection is gone either way
        }
      }
    }

    private IOException timedOut(IOException e) {
      if (watch == null || !watch.fired()) {
        return e;
      }
      ReadTimeout late = new ReadTimeout("no whole answer within " + timeout.toMillis() + " ms");
      late.initCause(e);
      return late;
    }

    /** Notes the body's end, after which closing keeps the connection. */
    private final class Body extends FilterInputStream {

      private Body(InputStream in) {
        super(in);
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
          n = in.read(b, off, len);
        } catch (IOException e) {
          throw timedOut(e);
        }
        if (n < 0) {
          if (watch != null && watch.fired()) {
            throw timedOut(new IOException("cut by the read watchdog"));
          }
          ended = true;
        }
        return n;
      }

      @Override
      public void close() {
        Exchange.this.close();
      }
    }
  }

  /**
   * A socket whose every read may wait for the server at most the read timeout: the watchdog cuts a
   * longer wait by closing the socket, and the read fails with a {@link ReadTimeout}.
   */
  private static final class WatchedSocket extends Socket {

    private final Duration limit;
    private final ReadWatchdog.Watch watch;
    private InputStream in;

    WatchedSocket(ReadWatchdog watchdog, Duration limit) {
      this.limit = limit;
      this.watch = watchdog.watch(this::closeQuietly);
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new WatchedInput(super.getInputStream());
      }
      return in;
    }

    @Override
    public synchronized void close() throws IOException {
      watch.close();
      super.close();
    }

    private void closeQuietly() {
      try {
        super.close();
      } catch (IOException e) {
        // a socket that cannot close is cut off anyway
      }
    }

    private final class WatchedInput extends FilterInputStream {

      WatchedInput(InputStream in) {
        super(in);
      }

      @Override
      public int read() throws IOException {
        watch.waitFor(limit);
        try {
          return in.read();
        } catch (IOException e) {
          throw late(e);
        } finally {
          watch.waited();
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        watch.waitFor(limit);
        int n;
        try {
          n = in.read(b, off, len);
        } catch (IOException e) {
          throw late(e);
        } finally {
          watch.waited();
        }
        if (n < 0 && watch.fired()) {
          throw late(new IOException("cut by the read watchdog"));
        }
        return n;
      }

      private IOException late(IOException e) {
        if (!watch.fired()) {
          return e;
        }
        ReadTimeout late =
            new ReadTimeout(
                "no byte from the server for " + limit.toMillis() + " ms (read timeout)");
        late.initCause(e);
        return late;
      }
    }
  }
}
