package io.agp.bookkeeper.callbacks;

import io.agp.callback.CallbackGuard;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One POST of a callback, on a connection of its own to the address the {@link CallbackGuard}
 * checked, never to the host's name: the name is resolved once, by the guard. The request still
 * names the host: in its {@code Host} header and, over https, as the TLS server name (SNI) and the
 * name the certificate must bear.
 *
 * <p>Redirects are not followed: the answer's status is all that is read, from its first {@link
 * #MAX_ANSWER_BYTES} bytes at most. Connecting is bounded by the connect timeout, and everything
 * after (handshake, sending, the answer's status line) by the read timeout, however slowly the
 * receiver trickles: when it passes the connection is cut.
 */
public final class CallbackPoster implements AutoCloseable {

  /** The most of an answer that is read; its status line must be in there. */
  static final int MAX_ANSWER_BYTES = 4096;

  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final SSLSocketFactory tlsSockets;
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("callback-deadlines").daemon().factory());

  /**
   * @param tlsSockets the TLS sockets of https callbacks: the JVM's default ones trust what its
   *     trust store trusts
   */
  public CallbackPoster(
      Duration connectTimeout, Duration readTimeout, SSLSocketFactory tlsSockets) {
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.tlsSockets = tlsSockets;
  }

  /**
   * Posts the body and returns the HTTP status of the answer.
   *
   * @throws IOException when no answer came: not connected, timed out, cut off, not HTTP
   */
  int post(CallbackGuard.Target target, Map<String, String> headers, byte[] body)
      throws IOException {
    try (Socket plain = new Socket()) {
      try {
        plain.connect(
            new InetSocketAddress(target.address(), target.port()),
            Math.toIntExact(connectTimeout.toMillis()));
      } catch (SocketTimeoutException e) {
        throw new SocketTimeoutException(
            "no connection within " + connectTimeout.toMillis() + " ms (connect timeout)");
      }
      AtomicBoolean timedOut = new AtomicBoolean();
      ScheduledFuture<?> cut =
          deadlines.schedule(
              () -> {
                timedOut.set(true);
                closeQuietly(plain);
              },
              readTimeout.toMillis(),
              TimeUnit.MILLISECONDS);
      try {
        Socket socket = target.tls() ? startTls(plain, target) : plain;
        OutputStream out = socket.getOutputStream();
        out.write(head(target, headers, body.length));
        out.write(body);
        out.flush();
        return status(socket.getInputStream());
      } catch (IOException e) {
        if (timedOut.get()) {
          throw new SocketTimeoutException(
              "no answer within " + readTimeout.toMillis() + " ms (read timeout)");
        }
        throw e;
      } finally {
        cut.cancel(false);
      }
    }
  }

  private Socket startTls(Socket plain, CallbackGuard.Target target) throws IOException {
    // Layered over the connection to the checked address; the name is the URL's host.
    SSLSocket tls = (SSLSocket) tlsSockets.createSocket(plain, target.host(), target.port(), true);
    SSLParameters parameters = tls.getSSLParameters();
    // Without this a TLS socket accepts any certificate that chains to a trusted root.
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!isIpLiteral(target.host())) {
      parameters.setServerNames(List.of(new SNIHostName(target.host())));
    }
    tls.setSSLParameters(parameters);
    tls.startHandshake();
    return tls;
  }

  private static byte[] head(
      CallbackGuard.Target target, Map<String, String> headers, int contentLength) {
    String path = target.url().getRawPath();
    String requestTarget = path == null || path.isEmpty() ? "/" : path;
    if (target.url().getRawQuery() != null) {
      requestTarget += "?" + target.url().getRawQuery();
    }
    String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    boolean defaultPort = target.port() == (target.tls() ? 443 : 80);
    StringBuilder head = new StringBuilder(512);
    head.append("POST ").append(requestTarget).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host);
    if (!defaultPort) {
      head.append(':').append(target.port());
    }
    head.append("\r\n");
    headers.forEach(
        (name, value) -> {
          // A line break in a value would start a header of the sender's choosing.
          if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in the value of header " + name);
          }
          head.append(name).append(": ").append(value).append("\r\n");
        });
    head.append("Content-Length: ").append(contentLength).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    return head.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The status of the answer's status line, read from its first bytes only. */
  private static int status(InputStream in) throws IOException {
    byte[] answer = new byte[MAX_ANSWER_BYTES];
    int length = 0;
    while (length < answer.length) {
      int n = in.read(answer, length, answer.length - length);
      if (n < 0) {
        break;
      }
      for (int i = length; i < length + n; i++) {
        if (answer[i] == '\n') {
          return parseStatus(new String(answer, 0, i, StandardCharsets.ISO_8859_1).strip());
        }
      }
      length += n;
    }
    if (length == 0) {
      throw new EOFException("the receiver closed the connection without an answer");
    }
    throw new IOException("not an HTTP answer: no status line in its first " + length + " bytes");
  }

  private static int parseStatus(String line) throws IOException {
    // HTTP/1.1 200 OK
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new IOException("not an HTTP answer: " + abbreviate(line));
    }
    try {
      int status = Integer.parseInt(line.substring(9, 12));
      if (status < 100 || status > 599) {
        throw new IOException("not an HTTP status: " + abbreviate(line));
      }
      return status;
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + abbreviate(line), e);
    }
  }

  private static boolean isIpLiteral(String host) {
    return host.contains(":") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "…";
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // the attempt fails with the timeout; nothing more to do with this socket
    }
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
  }
}
