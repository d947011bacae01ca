package io.agp.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * An OpenID Connect provider as small as the console's login needs: discovery, an authorization
 * endpoint that signs the user in at once and sends the browser back with a code, and a token
 * endpoint that checks the PKCE verifier against the challenge before it hands out the token. With
 * CORS headers, as providers send them to browser clients.
 */
final class FakeIdentityProvider implements AutoCloseable {

  static final String CLIENT_ID = "agp-console";

  private record Grant(String challenge, String redirectUri) {}

  private final HttpServer server;
  private final Supplier<String> tokens;
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  FakeIdentityProvider(Supplier<String> tokens) throws IOException {
    this.tokens = tokens;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.well-known/openid-configuration", this::discovery);
    server.createContext("/authorize", this::authorize);
    server.createContext("/token", this::token);
    server.start();
  }

  URI issuer() {
    return URI.create("http://localhost:" + server.getAddress().getPort());
  }

  private void discovery(HttpExchange exchange) throws IOException {
    String base = issuer().toString();
    answer(
        exchange,
        200,
        "{\"issuer\": \"%s\", \"authorization_endpoint\": \"%s/authorize\",".formatted(base, base)
            + " \"token_endpoint\": \"%s/token\"}".formatted(base));
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
    if (!CLIENT_ID.equals(query.get("client_id"))
        || !"S256".equals(query.get("code_challenge_method"))
        || !"code".equals(query.get("response_type"))) {
      answer(exchange, 400, "{\"error\": \"invalid_request\"}");
      return;
    }
    String code = UUID.randomUUID().toString();
    grants.put(code, new Grant(query.get("code_challenge"), query.get("redirect_uri")));
    exchange
        .getResponseHeaders()
        .set(
            "Location",
            query.get("redirect_uri")
                + "?code="
                + code
                + "&state="
                + URLEncoder.encode(query.get("state"), StandardCharsets.UTF_8));
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private void token(HttpExchange exchange) throws IOException {
    if (exchange.getRequestMethod().equals("OPTIONS")) {
      exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
      exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type");
      exchange.getResponseHeaders().set("Access-Control-Allow-Methods", "POST");
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
      return;
    }
    Map<String, String> body =
        form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    Grant grant = grants.remove(body.getOrDefault("code", ""));
    if (grant == null
        || !grant.redirectUri().equals(body.get("redirect_uri"))
        || !CLIENT_ID.equals(body.get("client_id"))
        || !grant.challenge().equals(s256(body.getOrDefault("code_verifier", "")))) {
      answer(exchange, 400, "{\"error\": \"invalid_grant\"}");
      return;
    }
    String token = tokens.get();
    answer(
        exchange,
        200,
        "{\"access_token\": \"%s\", \"id_token\": \"%s\", \"token_type\": \"Bearer\"}"
            .formatted(token, token));
  }

  private static String s256(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> form(String text) {
    Map<String, String> fields = new HashMap<>();
    if (text == null || text.isEmpty()) {
      return fields;
    }
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        fields.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return fields;
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
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
