package io.agp.api.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Finds a request's token: the bearer token, and on the ClickHouse proxy also where ClickHouse
 * clients put a password, since most of them can send nothing else: the password of Basic auth, the
 * {@code X-ClickHouse-Key} header, or the {@code password} URL parameter. The user name those carry
 * is ignored; the token names the caller.
 */
final class ProxyCredentials implements BearerTokenResolver {

  private static final String PROXY_PATH = "/v1/chproxy";
  private static final String BASIC = "Basic ";
  private static final String BEARER = "Bearer ";

  private final BearerTokenResolver bearer = new DefaultBearerTokenResolver();

  @Override
  public String resolve(HttpServletRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    String uri = request.getRequestURI();
    if (uri == null || !uri.startsWith(PROXY_PATH)) {
      String token = wellFormedBearer(authorization);
      // A header that is missing or malformed gets the library's answer: none, or its error.
      return token != null ? token : bearer.resolve(request);
    }
    if (authorization != null && authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
      return basicPassword(authorization.substring(BASIC.length()).strip());
    }
    if (authorization != null) {
      return bearer.resolve(request);
    }
    String key = request.getHeader("X-ClickHouse-Key");
    if (key != null && !key.isBlank()) {
      return key.strip();
    }
    return passwordParameter(request.getQueryString());
  }

  /**
   * The token of a well-formed {@code Authorization: Bearer} header (RFC 6750: the scheme in any
   * case, one space, a b64token), else null. The same grammar as the library's resolver, whose
   * regular expression over the token was a sixth of what JWT mode added to a poll.
   */
  static String wellFormedBearer(String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    int end = authorization.length();
    while (end > BEARER.length() && authorization.charAt(end - 1) == '=') {
      end--;
    }
    if (end == BEARER.length()) {
      return null;
    }
    for (int i = BEARER.length(); i < end; i++) {
      if (!isTokenCharacter(authorization.charAt(i))) {
        return null;
      }
    }
    return authorization.substring(BEARER.length());
  }

  private static boolean isTokenCharacter(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '+'
        || c == '/';
  }

  private static String basicPassword(String encoded) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    String password = colon < 0 ? "" : decoded.substring(colon + 1).strip();
    return password.isEmpty() ? null : password;
  }

  /** Read from the raw query string: getParameter would take a form-encoded body for parameters. */
  private static String passwordParameter(String query) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("password=")) {
        try {
          String value =
              URLDecoder.decode(pair.substring("password=".length()), StandardCharsets.UTF_8);
          return value.isBlank() ? null : value.strip();
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }
}
