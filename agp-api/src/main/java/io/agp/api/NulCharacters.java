package io.agp.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Refuses text with a NUL character (U+0000) with 400: PostgreSQL cannot store it in text or jsonb
 * and refuses it even as a query argument, so it would otherwise end as a 500. Query parameters are
 * checked before any handler runs; bodies by {@link RequestBodies}.
 */
@Configuration(proxyBeanMethods = false)
class NulCharacters implements WebMvcConfigurer, HandlerInterceptor {

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(this)
        .addPathPatterns("/v1/async/**", "/v1/schedules/**", "/v1/usage/**");
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
      check(parameter.getKey(), parameter.getKey());
      for (String value : parameter.getValue()) {
        check(parameter.getKey(), value);
      }
    }
    return true;
  }

  /** Refuses {@code text} if it holds a NUL character, naming {@code field}. */
  static void check(String field, String text) {
    if (text != null && text.indexOf('\0') >= 0) {
      throw new InvalidRequestException(field, field + " contains a NUL character (U+0000)");
    }
  }

  /**
   * Refuses a JSON text with an escaped NUL ({@code \u0000}) anywhere; an unescaped one is not
   * valid JSON and the parser refuses it. UTF-8 is scanned as bytes (a backslash never occurs
   * inside a multi-byte character); UTF-16 and UTF-32, which the parser also takes, are decoded
   * first.
   */
  static void checkJson(byte[] json) {
    CharSequence text = wideCharset(json).map(c -> (CharSequence) new String(json, c)).orElse(null);
    int length = text == null ? json.length : text.length();
    for (int i = 0; i < length - 1; i++) {
      if (at(json, text, i) == '\\') {
        if (at(json, text, i + 1) == 'u' && i + 5 < length && isZeros(json, text, i + 2)) {
          throw new InvalidRequestException(
              null, "the request body contains a NUL character (\\u0000)");
        }
        // Skip the escaped character, so that an escaped backslash is not read as an escape.
        i++;
      }
    }
  }

  private static int at(byte[] json, CharSequence text, int i) {
    return text == null ? json[i] : text.charAt(i);
  }

  private static boolean isZeros(byte[] json, CharSequence text, int from) {
    for (int i = from; i < from + 4; i++) {
      if (at(json, text, i) != '0') {
        return false;
      }
    }
    return true;
  }

  /**
   * UTF-16 or UTF-32, told by the zero bytes around the first character as JSON's parsers tell it
   * (RFC 4627, section 3); empty for UTF-8.
   */
  private static Optional<Charset> wideCharset(byte[] json) {
    if (json.length < 4) {
      return Optional.empty();
    }
    boolean z0 = json[0] == 0;
    boolean z1 = json[1] == 0;
    boolean z2 = json[2] == 0;
    boolean z3 = json[3] == 0;
    if (z0 && z1 && z2 && !z3) {
      return Optional.of(Charset.forName("UTF-32BE"));
    }
    if (!z0 && z1 && z2 && z3) {
      return Optional.of(Charset.forName("UTF-32LE"));
    }
    if (z0 && !z1) {
      return Optional.of(StandardCharsets.UTF_16BE);
    }
    if (!z0 && z1) {
      return Optional.of(StandardCharsets.UTF_16LE);
    }
    // A byte order mark: UTF-16 (or UTF-32 LE, whose mark starts the same way).
    if ((json[0] & 0xff) == 0xfe && (json[1] & 0xff) == 0xff) {
      return Optional.of(StandardCharsets.UTF_16);
    }
    if ((json[0] & 0xff) == 0xff && (json[1] & 0xff) == 0xfe) {
      return Optional.of(z2 && z3 ? Charset.forName("UTF-32LE") : StandardCharsets.UTF_16LE);
    }
    return Optional.empty();
  }
}
