package io.agp.clickhouse;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST on a connection of its own, whose answer is read on the calling thread.
 *
 * <p>Why not the JDK's {@code HttpClient}: it reads on its selector thread and hands every buffer
 * to the reader through a queue, re-arming read interest each time. For a result of a gigabyte that
 * is most of the worker's CPU (10 M CSV rows: about 5 s of CPU against 1.7 s here, curl about 2 s,
 * see bench/README.md), and on a small machine shared with ClickHouse that CPU is wall time. {@code
 * HttpURLConnection} measured in between (3.7 s). Reading a socket into a large buffer and taking
 * the chunked framing off in place does the least work there is.
 *
 * <p>Each exchange has its own connection, closed with the body ({@code Connection: close}): no
 * pool means no stale keep-alive connection to retry, and a connection per query costs a TCP
 * handshake next to a query that streams for seconds. Closing the body from another thread cuts the
 * connection, which is how a running query is abandoned.
 */
final class StreamingHttp {

  static final int BUFFER_SIZE = 256 * 1024;

  /** Bounds on what the server sends besides the body, so that garbage cannot exhaust memory. */
  private static final int MAX_LINE = 16 * 1024;

  private static final int MAX_HEADERS = 200;

  private StreamingHttp() {}

  /** The server sent nothing for longer than the read timeout: stalled, frozen or cut off. */
  static final class ReadTimeout extends SocketTimeoutException {

    ReadTimeout(Duration timeout) {
      super("no byte from the server for " + timeout.toMillis() + " ms (read timeout)");
    }
  }

  /**
   * Cuts the connections whose reads wait longer than their timeout, from one thread that looks at
   * the reads under way a few times a second. Cheaper than a socket timeout, which on a virtual
   * thread schedules and cancels a timer at every read that blocks.
   */
  private static final class ReadWatchdog {

    private static final Duration TICK = Duration.ofMillis(250);
    private static final Set<Wire> READING = ConcurrentHashMap.newKeySet();
    private static volatile Thread thread;

    static void watch(Wire wire) {
      READING.add(wire);
      if (thread == null) {
        start();
      }
    }

    static void unwatch(Wire wire) {
      READING.remove(wire);
    }

    private static synchronized void start() {
      if (thread == null) {
        thread = Thread.ofPlatform().daemon().name("agp-read-watchdog").start(ReadWatchdog::run);
      }
    }

    private static void run() {
      while (true) {
        try {
          Thread.sleep(TICK);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        for (Wire wire : READING) {
          wire.cutIfStalled(now);
        }
      }
    }
  }

  /** No connection could be made: nothing was sent. */
  static final class ConnectFailure extends IOException {

    ConnectFailure(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  /** The status and headers of an answer, and its body as it arrives. */
  record Response(int status, HttpHeaders headers, InputStream body) {}

  /**
   * Sends the request and returns once the status and headers are in.
   *
   * @throws ConnectFailure when no connection could be made
   * @throws IOException when the connection fails later or the answer is not HTTP
   */
  static Response post(URI uri, Map<String, String> headers, byte[] body, Duration connectTimeout)
      throws IOException {
    return post(uri, headers, body, connectTimeout, Duration.ZERO);
  }

  /**
   * The same, failing any wait for a byte of the answer (head or body) longer than {@code
   * readTimeout} (give or take a quarter of a second) with a {@link ReadTimeout}; zero waits for
   * ever.
   */
  static Response post(
      URI uri,
      Map<String, String> headers,
      byte[] body,
      Duration connectTimeout,
      Duration readTimeout)
      throws IOException {
    return post(
        uri,
        headers,
        body,
        connectTimeout,
        readTimeout,
        (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  /**
   * The same, with the given TLS sockets for https: the JVM's default ones trust what its trust
   * store ({@code javax.net.ssl.trustStore}) trusts.
   */
  static Response post(
      URI uri,
      Map<String, String> headers,
      byte[] body,
      Duration connectTimeout,
      Duration readTimeout,
      SSLSocketFactory tlsSockets)
      throws IOException {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      try {
        socket.connect(
            new InetSocketAddress(host, port), Math.toIntExact(connectTimeout.toMillis()));
      } catch (IOException e) {
        throw new ConnectFailure(e);
      }
      if (tls) {
        // The handshake reads outside the wire: a socket timeout bounds it, then goes, since a
        // timed read costs a timer per blocking read (measured: 0.03-0.05 s more for 926 MB).
        socket.setSoTimeout(Math.toIntExact(readTimeout.toMillis()));
        socket = startTls(tlsSockets, socket, host, port);
        socket.setSoTimeout(0);
      }
      OutputStream out = socket.getOutputStream();
      out.write(head(uri, host, port, headers, body.length));
      out.write(body);
      out.flush();
      Wire wire = new Wire(socket, readTimeout);
      int status = wire.statusLine();
      HttpHeaders responseHeaders = wire.headers();
      return new Response(status, responseHeaders, wire.body(responseHeaders));
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  private static Socket startTls(SSLSocketFactory sockets, Socket plain, String host, int port)
      throws IOException {
    SSLSocket tls = (SSLSocket) sockets.createSocket(plain, host, port, true);
    SSLParameters parameters = tls.getSSLParameters();
    // Without this a TLS socket accepts any certificate that chains to a trusted root.
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(parameters);
    tls.startHandshake();
    return tls;
  }

  private static byte[] head(
      URI uri, String host, int port, Map<String, String> headers, int contentLength) {
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    StringBuilder head = new StringBuilder(256);
    head.append("POST ").append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host.contains(":") ? "[" + host + "]" : host);
    head.append(':').append(port).append("\r\n");
    headers.forEach(
        (name, value) -> {
          // A line break in a value would start a header, or a request, of the sender's choosing.
          if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in the value of header " + name);
          }
          head.append(name).append(": ").append(value).append("\r\n");
        });
    head.append("Content-Length: ").append(contentLength).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    return head.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing was read from it, and nothing more will be
    }
  }

  /** The socket and the one buffer every read goes through. */
  static final class Wire {

    private final Socket socket;
    private final InputStream in;
    private final Duration readTimeout;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int position;
    private int limit;
    // When the read under way began (never 0 then), 0 when none is: what the watchdog looks at.
    private volatile long readingSince;
    private volatile boolean timedOut;

    Wire(Socket socket, Duration readTimeout) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.readTimeout = readTimeout;
    }

    /** Called by the watchdog: cuts a read that has waited longer than the timeout. */
    void cutIfStalled(long now) {
      long since = readingSince;
      if (since != 0 && now - since > readTimeout.toNanos()) {
        timedOut = true;
        closeQuietly(socket);
      }
    }

    /** Reads more into the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
      if (position == limit) {
        position = 0;
        limit = 0;
      } else if (limit == buffer.length) {
        System.arraycopy(buffer, position, buffer, 0, limit - position);
        limit -= position;
        position = 0;
      }
      int n;
      boolean watched = !readTimeout.isZero();
      if (watched) {
        long now = System.nanoTime();
        readingSince = now == 0 ? 1 : now;
        ReadWatchdog.watch(this);
      }
      try {
        n = in.read(buffer, limit, buffer.length - limit);
      } catch (IOException e) {
        throw timedOut ? new ReadTimeout(readTimeout) : e;
      } finally {
        if (watched) {
          readingSince = 0;
          ReadWatchdog.unwatch(this);
        }
      }
      if (n < 0) {
        if (timedOut) {
          throw new ReadTimeout(readTimeout);
        }
        return false;
      }
      limit += n;
      return true;
    }

    /** A line without its CRLF (a bare LF is accepted too), as Latin-1. */
    String line() throws IOException {
      int scanned = position;
      while (true) {
        for (int i = scanned; i < limit; i++) {
          if (buffer[i] == '\n') {
            int end = i > position && buffer[i - 1] == '\r' ? i - 1 : i;
            String line = new String(buffer, position, end - position, StandardCharsets.ISO_8859_1);
            position = i + 1;
            return line;
          }
        }
        if (limit - position >= MAX_LINE) {
          throw new IOException("protocol error: line longer than " + MAX_LINE + " bytes");
        }
        scanned = limit - position;
        if (!fill()) {
          throw new EOFException("connection closed in the middle of the response head");
        }
        scanned += position;
      }
    }

    int statusLine() throws IOException {
      String line = line();
      // HTTP/1.1 200 OK
      if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
        throw new IOException("protocol error: not an HTTP status line: " + abbreviate(line));
      }
      try {
        return Integer.parseInt(line.substring(9, 12));
      } catch (NumberFormatException e) {
        throw new IOException("protocol error: bad status in " + abbreviate(line), e);
      }
    }

    HttpHeaders headers() throws IOException {
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int count = 0; ; count++) {
        String line = line();
        if (line.isEmpty()) {
          return HttpHeaders.of(headers, (name, value) -> true);
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || count == MAX_HEADERS) {
          throw new IOException("protocol error: bad header line " + abbreviate(line));
        }
        headers
            .computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>())
            .add(line.substring(colon + 1).strip());
      }
    }

    InputStream body(HttpHeaders headers) throws IOException {
      String encoding = headers.firstValue("Transfer-Encoding").orElse("");
      if (!encoding.isEmpty()) {
        if (!encoding.equalsIgnoreCase("chunked")) {
          throw new IOException("unsupported Transfer-Encoding: " + abbreviate(encoding));
        }
        return new ChunkedBody(this);
      }
      var length = headers.firstValue("Content-Length");
      if (length.isPresent()) {
        try {
          return new LengthBody(this, Long.parseLong(length.get()));
        } catch (NumberFormatException e) {
          throw new IOException("bad Content-Length: " + abbreviate(length.get()), e);
        }
      }
      // Neither: the body runs until the server closes the connection.
      return new LengthBody(this, -1);
    }

    int available() {
      return limit - position;
    }

    void close() throws IOException {
      socket.close();
    }

    private static String abbreviate(String text) {
      return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }
  }

  /** Shared by the bodies: reads fail after a close, a close closes the connection. */
  private abstract static class Body extends InputStream {

    final Wire wire;
    private boolean closed;

    Body(Wire wire) {
      this.wire = wire;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (closed) {
        throw new IOException("stream closed");
      }
      return len == 0 ? 0 : readBody(b, off, len);
    }

    abstract int readBody(byte[] b, int off, int len) throws IOException;

    @Override
    public void close() throws IOException {
      closed = true;
      wire.close();
    }
  }

  /** A body of known length, or (length -1) one that ends when the connection does. */
  static final class LengthBody extends Body {

    private long left;

    LengthBody(Wire wire, long length) {
      super(wire);
      this.left = length;
    }

    @Override
    int readBody(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      if (wire.available() == 0 && !wire.fill()) {
        if (left > 0) {
          throw new EOFException("connection closed " + left + " bytes before the body's end");
        }
        left = 0;
        return -1;
      }
      int n = wire.available();
      if (n > len) {
        n = len;
      }
      if (left > 0 && n > left) {
        n = (int) left;
      }
      System.arraycopy(wire.buffer, wire.position, b, off, n);
      wire.position += n;
      if (left > 0) {
        left -= n;
      }
      return n;
    }
  }

  /**
   * Takes the chunk framing off ({@code <hex size>[;extension]CRLF <data> CRLF}, ending with a
   * zero-size chunk and optional trailers). A connection that ends anywhere before the last chunk
   * is an error, never an end: ClickHouse 24.11+ leaves the last chunk out when a query fails.
   *
   * <p>A read returns as many bytes as have arrived, across chunks (ClickHouse 18.16 sends 4 KiB
   * chunks), and blocks only when none have.
   */
  static final class ChunkedBody extends Body {

    private long chunkLeft;
    private boolean ended;

    ChunkedBody(Wire wire) {
      super(wire);
    }

    @Override
    int readBody(byte[] b, int off, int len) throws IOException {
      int copied = 0;
      while (copied < len && !ended) {
        if (chunkLeft <= 0) {
          if (copied > 0 && !headerBuffered()) {
            break;
          }
          nextChunk();
          continue;
        }
        if (wire.available() == 0) {
          if (copied > 0) {
            break;
          }
          if (!wire.fill()) {
            throw new EOFException("connection closed in the middle of a chunk");
          }
        }
        int n = (int) Math.min(Math.min(chunkLeft, wire.available()), len - copied);
        System.arraycopy(wire.buffer, wire.position, b, off + copied, n);
        wire.position += n;
        chunkLeft -= n;
        copied += n;
        if (chunkLeft == 0) {
          endOfChunkData();
        }
      }
      return copied == 0 && ended ? -1 : copied;
    }

    /** Whether the next chunk's size line has arrived whole, so it can be read without waiting. */
    private boolean headerBuffered() {
      // Two line ends when the CRLF closing the last chunk's data is still to be read.
      int needed = chunkLeft < 0 ? 2 : 1;
      for (int i = wire.position; i < wire.limit && needed > 0; i++) {
        if (wire.buffer[i] == '\n') {
          needed--;
        }
      }
      return needed == 0;
    }

    private void endOfChunkData() throws IOException {
      // The CRLF after the data; when it has not arrived yet it is read with the next size line.
      chunkLeft = -1;
      if (wire.available() >= 2) {
        expectCrlf();
      }
    }

    private void expectCrlf() throws IOException {
      if (!wire.line().isEmpty()) {
        throw new IOException("protocol error: chunk data longer than its size");
      }
      chunkLeft = 0;
    }

    private void nextChunk() throws IOException {
      if (chunkLeft < 0) {
        expectCrlf();
      }
      String line = wire.line();
      int end = line.indexOf(';');
      String hex = (end < 0 ? line : line.substring(0, end)).strip();
      if (hex.isEmpty() || hex.length() > 15) {
        throw new IOException("protocol error: bad chunk size line " + Wire.abbreviate(line));
      }
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("protocol error: bad chunk size line " + Wire.abbreviate(line), e);
      }
      if (size < 0) {
        throw new IOException("protocol error: negative chunk size");
      }
      if (size == 0) {
        // Trailers, if any, up to the empty line.
        for (int count = 0; !wire.line().isEmpty(); count++) {
          if (count == MAX_HEADERS) {
            throw new IOException("protocol error: too many trailers");
          }
        }
        ended = true;
        return;
      }
      chunkLeft = size;
    }
  }
}
