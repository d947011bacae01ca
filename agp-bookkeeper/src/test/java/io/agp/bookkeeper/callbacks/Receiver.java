package io.agp.bookkeeper.callbacks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * A callback receiver on 127.0.0.1, with the JDK's HTTP server: it records each request and answers
 * the n-th (from 1) as told, e.g. failing the first ones, hanging, or redirecting.
 */
final class Receiver implements AutoCloseable {

  /** A request as received; header names in lower case. */
  record Request(Map<String, String> headers, byte[] body, String serverName) {

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** How to answer a request. */
  sealed interface Answer {

    /** A status, with a Location header when not null, and no body. */
    record Status(int status, String location) implements Answer {}

    /** No answer until released (or a minute has passed), then 200. */
    record Hang(CountDownLatch release) implements Answer {}

    static Answer status(int status) {
      return new Status(status, null);
    }

    static Answer redirect(String location) {
      return new Status(302, location);
    }
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final IntFunction<Answer> answers;
  private final List<Request> requests = new ArrayList<>();
  private final String scheme;

  private Receiver(HttpServer server, String scheme, IntFunction<Answer> answers) {
    this.server = server;
    this.scheme = scheme;
    this.answers = answers;
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  static Receiver http(IntFunction<Answer> answers) throws IOException {
    return new Receiver(HttpServer.create(loopback(), 0), "http", answers);
  }

  /** Over TLS, with the given server certificate and key. */
  static Receiver https(SSLContext tls, IntFunction<Answer> answers) throws IOException {
    HttpsServer server = HttpsServer.create(loopback(), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new Receiver(server, "https", answers);
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** This receiver's URL for a path, by its address. */
  String url(String path) {
    return scheme + "://127.0.0.1:" + port() + path;
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readAllBytes();
      Map<String, String> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
      int n;
      synchronized (this) {
        requests.add(new Request(headers, body, serverName(exchange)));
        n = requests.size();
      }
      switch (answers.apply(n)) {
        case Answer.Status status -> {
          if (status.location() != null) {
            exchange.getResponseHeaders().add("Location", status.location());
          }
          exchange.sendResponseHeaders(status.status(), -1);
        }
        case Answer.Hang hang -> {
          try {
            hang.release().await(1, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, -1);
        }
      }
    }
  }

  private static String serverName(HttpExchange exchange) {
    if (exchange instanceof HttpsExchange https) {
      SSLSession session = https.getSSLSession();
      if (session instanceof ExtendedSSLSession extended) {
        return extended.getRequestedServerNames().stream()
            .filter(SNIHostName.class::isInstance)
            .map(name -> ((SNIHostName) name).getAsciiName())
            .findFirst()
            .orElse(null);
      }
    }
    return null;
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
