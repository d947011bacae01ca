package io.agp.api.execution;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
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
    registry.addInterceptor(this).addPathPatterns("/v1/async/**");
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
   * valid JSON and the parser refuses it.
   */
  static void checkJson(byte[] json) {
    for (int i = 0; i < json.length - 1; i++) {
      if (json[i] == '\\') {
        if (json[i + 1] == 'u' && i + 5 < json.length && isZeros(json, i + 2)) {
          throw new InvalidRequestException(
              null, "the request body contains a NUL character (\\u0000)");
        }
        // Skip the escaped character, so that an escaped backslash is not read as an escape.
        i++;
      }
    }
  }

  private static boolean isZeros(byte[] json, int from) {
    for (int i = from; i < from + 4; i++) {
      if (json[i] != '0') {
        return false;
      }
    }
    return true;
  }
}
