package io.agp.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Just enough of a Kubernetes API server for Helm's {@code lookup} of a Secret: the discovery of
 * the core group and reads of the Secrets put here; everything else is 404.
 */
final class FakeKubernetesApi implements AutoCloseable {

  private static final Pattern SECRET =
      Pattern.compile("/api/v1/namespaces/([^/]+)/secrets/([^/]+)");
  private static final String CORE_RESOURCES =
      """
      {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
        {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get"]}]}
      """;
  private static final String NOT_FOUND =
      """
      {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}
      """;

  private final HttpServer server;
  private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

  private FakeKubernetesApi(HttpServer server) {
    this.server = server;
  }

  /** Starts the server and points the kubeconfig file at it, in namespace {@code agp}. */
  static FakeKubernetesApi start(Path kubeconfig) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    FakeKubernetesApi api = new FakeKubernetesApi(server);
    server.createContext("/", api::answer);
    server.start();
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: fake, user: {}}]
        contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: agp}}]
        current-context: fake
        """
            .formatted(server.getAddress().getPort()));
    return api;
  }

  void putSecret(String namespace, String name, Map<String, String> data) {
    secrets.put(namespace + "/" + name, Map.copyOf(data));
  }

  void clear() {
    secrets.clear();
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Matcher secret = SECRET.matcher(path);
    if (path.equals("/api/v1")) {
      send(exchange, 200, CORE_RESOURCES);
    } else if (secret.matches() && secrets.containsKey(secret.group(1) + "/" + secret.group(2))) {
      send(exchange, 200, secretJson(secret.group(1), secret.group(2)));
    } else {
      send(exchange, 404, NOT_FOUND);
    }
  }

  private String secretJson(String namespace, String name) {
    String data =
        secrets.get(namespace + "/" + name).entrySet().stream()
            .map(
                e ->
                    "\"%s\":\"%s\""
                        .formatted(
                            e.getKey(),
                            Base64.getEncoder().encodeToString(e.getValue().getBytes(UTF_8))))
            .collect(Collectors.joining(","));
    return """
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"type":"Opaque","data":{%s}}
        """
        .formatted(name, namespace, data);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
