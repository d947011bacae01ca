package io.agp.api.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A GET over a plain socket with a small receive buffer, so that the test decides how fast the body
 * is read, or whether it is read at all, and the server feels it: an HTTP client library would read
 * ahead into buffers of its own. The kernel still buffers a few MiB of the body in the server's
 * send buffer, which the tests allow for with results much larger than that.
 */
public final class RawDownload implements AutoCloseable {

  /** Small, so that a client that stops reading soon stops the server's writes too. */
  private static final int RECEIVE_BUFFER = 32 * 1024;

  private final Socket socket;
  private final InputStream in;
  private long consumed;
  private final int status;
  private final Map<String, String> headers;

  private RawDownload(Socket socket, InputStream in, int status, Map<String, String> headers) {
    this.socket = socket;
    this.in = in;
    this.status = status;
    this.headers = headers;
  }

  /** Sends the request and reads the status line and headers; the body is left unread. */
  public static RawDownload open(URI url, String... headerLines) throws IOException {
    return openAs(url, url.getHost() + ':' + url.getPort(), headerLines);
  }

  /** The same, addressed to {@code host} (the Host header) whatever the URL's host. */
  public static RawDownload openAs(URI url, String host, String... headerLines) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(RECEIVE_BUFFER);
    socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
    // A client that waits this long for a byte the server should have sent has found a bug.
    socket.setSoTimeout(30_000);
    StringBuilder request = new StringBuilder();
    String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    request.append("GET ").append(target).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(host).append("\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    request.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new HashMap<>();
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      headers.put(
          header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          header.substring(colon + 1).strip());
    }
    return new RawDownload(socket, in, status, headers);
  }

  public int status() {
    return status;
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  public long contentLength() {
    return Long.parseLong(header("Content-Length"));
  }

  /** Reads {@code count} bytes of the body at once (or fewer if it ends). */
  public byte[] read(int count) throws IOException {
    byte[] bytes = in.readNBytes(count);
    consumed += bytes.length;
    return bytes;
  }

  /**
   * Reads the rest of the body (by its Content-Length, less what {@link #read} took) at about
   * {@code bytesPerSecond}, and returns the SHA-256 of what it read, in hex.
   */
  public String readThrottled(long bytesPerSecond) throws IOException {
    MessageDigest digest = sha256();
    long length = contentLength() - consumed;
    byte[] buffer = new byte[16 * 1024];
    long start = System.nanoTime();
    long read = 0;
    while (read < length) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - read));
      if (n < 0) {
        throw new IOException("the body ended after " + read + " of " + length + " bytes");
      }
      digest.update(buffer, 0, n);
      read += n;
      // Pacing, not waiting for something: the reader takes no byte before its rate allows.
      long due = start + TimeUnit.SECONDS.toNanos(1) * read / bytesPerSecond;
      LockSupport.parkNanos(due - System.nanoTime());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Reads what is left until the server ends the connection and returns how many bytes came; fails
   * if the body is still coming after {@code within}.
   */
  public long drain(Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    long read = 0;
    byte[] buffer = new byte[64 * 1024];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read += n;
      }
    } catch (SocketException e) {
      // A reset ends the body as surely as a close.
    }
    return read;
  }

  /** Leaves at once, with a reset, as a client that is killed or loses its network does. */
  public void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the connection ended in the response head");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
