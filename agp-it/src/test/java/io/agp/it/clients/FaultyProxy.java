package io.agp.it.clients;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of the API that drops the first connection whose answers pass {@code
 * cutAfter} bytes, as a network does to a long download, and may answer every request for live
 * events with a 502, as a proxy that cannot stream them; it keeps what the clients asked and counts
 * what the API sent.
 */
final class FaultyProxy implements AutoCloseable {

  private final ServerSocket server;
  private final URI api;
  private final long cutAfter;
  private final boolean refuseEvents;
  private final AtomicBoolean cut = new AtomicBoolean();
  private final AtomicLong relayed = new AtomicLong();
  private final StringBuffer requests = new StringBuffer();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  FaultyProxy(URI api, long cutAfter, boolean refuseEvents) {
    this.api = api;
    this.cutAfter = cutAfter;
    this.refuseEvents = refuseEvents;
    try {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.submit(this::accept);
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  boolean hasCut() {
    return cut.get();
  }

  /** The bytes the API sent through the proxy, over every connection. */
  long relayed() {
    return relayed.get();
  }

  /** The requests' bytes as text: request lines and headers. */
  String requests() {
    return requests.toString();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(api.getHost(), api.getPort());
        threads.submit(() -> pump(client, upstream, false));
        threads.submit(() -> pump(upstream, client, true));
      } catch (IOException e) {
        // Closed: no more connections.
      }
    }
  }

  private void pump(Socket from, Socket to, boolean answers) {
    long sent = 0;
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      byte[] buffer = new byte[16 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (!answers && refuseEvents && isEventsRequest(buffer, n)) {
          requests.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
          from.getOutputStream()
              .write(
                  "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
          break;
        }
        if (answers && sent + n > cutAfter && cut.compareAndSet(false, true)) {
          out.write(buffer, 0, (int) (cutAfter - sent));
          out.flush();
          relayed.addAndGet(cutAfter - sent);
          break;
        }
        out.write(buffer, 0, n);
        out.flush();
        sent += n;
        if (answers) {
          relayed.addAndGet(n);
        } else {
          requests.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
      }
    } catch (IOException e) {
      // The other side went away: so does this one.
    } finally {
      close(from);
      close(to);
    }
  }

  private static boolean isEventsRequest(byte[] buffer, int n) {
    String head = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
    return head.startsWith("GET ") && head.lines().findFirst().orElse("").contains("/events ");
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is all that is left to do.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
