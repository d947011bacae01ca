package io.agp.bookkeeper.callbacks;

import io.agp.callback.CallbackGuard;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.BasicHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseParser;
import org.apache.hc.core5.http.io.HttpMessageParser;
import org.apache.hc.core5.http.io.SessionInputBuffer;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.net.URIAuthority;
import org.apache.hc.core5.util.Timeout;

/**
 * One POST of a callback, with Apache HttpClient 5, on a connection of its own to the address the
 * {@link CallbackGuard} checked, never to the host's name: the name is resolved once, by the guard.
 * The request still names the host: in its {@code Host} header and, over https, as the TLS server
 * name (SNI) and the name the certificate must bear.
 *
 * <p>Redirects are not followed, nothing is retried (the sender decides), no cookie or credential
 * is kept. Interim answers (1xx, such as {@code 103 Early Hints}) are skipped; of the final answer
 * only the status is taken, and no more of the answer than its first {@link #MAX_ANSWER_BYTES}
 * bytes is read. Connecting is bounded by the connect timeout, and everything after (handshake,
 * sending, the answer's head) by the read timeout, however slowly the receiver trickles: when it
 * passes the connection is cut.
 */
public final class CallbackPoster implements AutoCloseable {

  /** The most of an answer that is read; its head must be in there. */
  static final int MAX_ANSWER_BYTES = 4096;

  /** The context attribute under which an attempt's deadline waits for its connection. */
  private static final String DEADLINE = CallbackPoster.class.getName() + ".deadline";

  // The deadline bounds what follows the connection, as a whole: no timeout per read.
  private static final SocketConfig SOCKETS =
      SocketConfig.custom().setSoTimeout(Timeout.DISABLED).build();
  private static final TlsConfig HANDSHAKES =
      TlsConfig.custom().setHandshakeTimeout(Timeout.DISABLED).build();

  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final CheckedAddressOperator operator;
  private final ManagedHttpClientConnectionFactory connections =
      ManagedHttpClientConnectionFactory.builder()
          .http1Config(Http1Config.custom().setBufferSize(MAX_ANSWER_BYTES).build())
          .responseParserFactory(BoundedHeads::new)
          .build();
  private final ConnectionConfig connecting;
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("callback-deadlines").daemon().factory());

  /**
   * @param tls the TLS of https callbacks: the JVM's default context trusts what its trust store
   *     trusts
   */
  public CallbackPoster(Duration connectTimeout, Duration readTimeout, SSLContext tls) {
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.operator = new CheckedAddressOperator(tls);
    this.connecting =
        ConnectionConfig.custom()
            .setConnectTimeout(Timeout.of(connectTimeout))
            .setSocketTimeout(Timeout.DISABLED)
            .build();
  }

  /**
   * Posts the body and returns the HTTP status of the final answer.
   *
   * @throws IOException when no answer came: not connected, timed out, cut off, not HTTP
   */
  int post(CallbackGuard.Target target, Map<String, String> headers, byte[] body)
      throws IOException {
    HttpPost request = new HttpPost(target.url());
    boolean defaultPort = target.port() == (target.tls() ? 443 : 80);
    request.setAuthority(new URIAuthority(target.host(), defaultPort ? -1 : target.port()));
    // Line breaks in a value are sent as spaces (HttpCore's header formatter): no header smuggled.
    headers.forEach(request::addHeader);
    request.setHeader(HttpHeaders.CONNECTION, HeaderElements.CLOSE);
    request.setEntity(new ByteArrayEntity(body, null));
    request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED).build());
    // The checked address, with the name the request and TLS go by: the client resolves nothing.
    HttpHost checked =
        new HttpHost(
            target.tls() ? URIScheme.HTTPS.id : URIScheme.HTTP.id,
            target.address(),
            target.host(),
            target.port());
    Deadline deadline = new Deadline(request);
    HttpClientContext context = HttpClientContext.create();
    context.setAttribute(DEADLINE, deadline);
    // The minimal client follows no redirect, retries nothing and keeps no cookie or credential.
    try (CloseableHttpClient client = HttpClients.createMinimal(connection())) {
      ClassicHttpResponse answer = client.executeOpen(checked, request, context);
      // The body is not read: cutting the exchange discards its connection, unread bytes and all.
      request.cancel();
      return answer.getCode();
    } catch (IOException e) {
      if (deadline.passed) {
        throw new SocketTimeoutException(
            "no answer within " + readTimeout.toMillis() + " ms (read timeout)");
      }
      throw switch (e) {
        case ConnectTimeoutException t ->
            new SocketTimeoutException(
                "no connection within " + connectTimeout.toMillis() + " ms (connect timeout)");
        case ClientProtocolException p when p.getCause() instanceof HttpException h ->
            new IOException("not an HTTP answer: " + h.getMessage(), e);
        default -> e;
      };
    } finally {
      deadline.stop();
    }
  }

  /**
   * The one connection of one attempt, closed with it: no connection, nor any state about a
   * receiver, is kept from one callback to the next.
   */
  private BasicHttpClientConnectionManager connection() {
    BasicHttpClientConnectionManager connection =
        new BasicHttpClientConnectionManager(operator, connections);
    connection.setSocketConfig(SOCKETS);
    connection.setConnectionConfig(connecting);
    connection.setTlsConfig(HANDSHAKES);
    return connection;
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
  }

  /** An attempt's deadline: once it is connected, the read timeout bounds the rest as a whole. */
  private final class Deadline {

    private final Cancellable exchange;
    private volatile boolean passed;
    private ScheduledFuture<?> cut;

    Deadline(Cancellable exchange) {
      this.exchange = exchange;
    }

    void start() {
      cut =
          deadlines.schedule(
              () -> {
                passed = true;
                exchange.cancel();
              },
              readTimeout.toNanos(),
              TimeUnit.NANOSECONDS);
    }

    /** Called on the attempt's thread, which started it (when it connected). */
    void stop() {
      if (cut != null) {
        cut.cancel(false);
      }
    }
  }

  /**
   * Connects to the address the guard checked, which each request's target carries: a name is never
   * looked up. Starts an attempt's deadline once its connection is made, so that the TLS handshake
   * falls within the read timeout and the connecting does not.
   */
  private static final class CheckedAddressOperator extends DefaultHttpClientConnectionOperator {

    CheckedAddressOperator(SSLContext tls) {
      super(
          null,
          new NoLookups(),
          RegistryBuilder.<TlsSocketStrategy>create()
              .register(
                  URIScheme.HTTPS.id,
                  new DefaultClientTlsStrategy(
                      tls,
                      HostnameVerificationPolicy.BOTH,
                      HttpsSupport.getDefaultHostnameVerifier()))
              .build());
    }

    @Override
    protected void onAfterSocketConnect(HttpContext context, HttpHost endpointHost) {
      if (context.getAttribute(DEADLINE) instanceof Deadline deadline) {
        deadline.start();
      }
    }
  }

  /** Refuses every lookup: the guard resolved the name, and the target carries its address. */
  private static final class NoLookups implements DnsResolver {

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
      throw refused(host);
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
      throw refused(host);
    }

    private static UnknownHostException refused(String host) {
      return new UnknownHostException(
          host + ": a callback goes to the address the guard checked, never by name");
    }
  }

  /**
   * The answers of one connection, read from its first {@link #MAX_ANSWER_BYTES} bytes: interim
   * answers included, and whatever of a body came along with a head.
   */
  private static final class BoundedHeads implements HttpMessageParser<ClassicHttpResponse> {

    private final DefaultHttpResponseParser heads;
    private int left = MAX_ANSWER_BYTES;

    BoundedHeads(Http1Config config) {
      this.heads = new DefaultHttpResponseParser(config);
    }

    @Override
    public ClassicHttpResponse parse(SessionInputBuffer buffer, InputStream in)
        throws IOException, HttpException {
      return heads.parse(
          buffer,
          new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
              byte[] one = new byte[1];
              return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
              if (left == 0) {
                throw new IOException(
                    "not an HTTP answer: no end of its head in its first "
                        + MAX_ANSWER_BYTES
                        + " bytes");
              }
              int n = super.read(bytes, offset, Math.min(length, left));
              if (n > 0) {
                left -= n;
              }
              return n;
            }
          });
    }
  }
}
