package io.agp.bookkeeper.callbacks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A callback receiver on a plain socket of 127.0.0.1, for the answers the JDK's HTTP server cannot
 * give: an interim answer before the final one, an answer trickled byte by byte, bytes that are not
 * HTTP. It reads each request, head and body, then writes the answer as told.
 */
final class SocketReceiver implements AutoCloseable {

  /** Writes the answer to a request. */
  @FunctionalInterface
  interface Answer {
    void write(OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final AtomicInteger cut = new AtomicInteger();

  SocketReceiver(Answer answer) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(() -> accept(answer));
  }

  int port() {
    return server.getLocalPort();
  }

  /** This receiver's URL for a path, by its address. */
  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** The request lines received, such as {@code POST /hook HTTP/1.1}. */
  List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  /** How many answers could not be written to their end: the connection was cut. */
  int cut() {
    return cut.get();
  }

  private void accept(Answer answer) {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      threads.execute(() -> answer(socket, answer));
    }
  }

  private void answer(Socket socket, Answer answer) {
    try (socket) {
      readRequest(new BufferedInputStream(socket.getInputStream()));
      OutputStream out = socket.getOutputStream();
      answer.write(out);
      out.flush();
    } catch (IOException e) {
      cut.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the request ended in its head");
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    List<String> lines = head.toString(StandardCharsets.ISO_8859_1).lines().toList();
    requestLines.add(lines.getFirst());
    long length =
        lines.stream()
            .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
            .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).strip()))
            .findFirst()
            .orElse(0);
    in.readNBytes(Math.toIntExact(length));
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
