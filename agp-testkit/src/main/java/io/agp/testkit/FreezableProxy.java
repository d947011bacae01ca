package io.agp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a server that can stop passing bytes either way while keeping every
 * connection open: what a worker sees of a frozen server, or of a link that died without a reset.
 */
public final class FreezableProxy implements AutoCloseable {

  private final ServerSocket server;
  private final URI target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong fromServer = new AtomicLong();
  private volatile boolean frozen;

  public FreezableProxy(URI target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
  }

  /** The proxy's address, with the target's scheme. */
  public URI uri() {
    return URI.create(target.getScheme() + "://127.0.0.1:" + server.getLocalPort());
  }

  /** From now on bytes are held, in both directions, until {@link #thaw()}. */
  public void freeze() {
    frozen = true;
  }

  public void thaw() {
    frozen = false;
  }

  /** Bytes passed on from the server to its clients so far. */
  public long bytesFromServer() {
    return fromServer.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getHost(), target.getPort());
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream, new AtomicLong()));
        Thread.ofVirtual().start(() -> pump(upstream, client, fromServer));
      } catch (IOException e) {
        // closed: the loop ends
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong passed) {
    byte[] buffer = new byte[64 * 1024];
    try (from;
        to) {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        while (frozen) {
          Thread.sleep(10);
        }
        out.write(buffer, 0, n);
        passed.addAndGet(n);
      }
    } catch (IOException | InterruptedException e) {
      // one side closed: closing both ends the exchange as the real server would
    } finally {
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  @Override
  public void close() throws IOException {
    frozen = false;
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
