package io.agp.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Deals with {@code Accept} and {@code Content-Type} headers that Spring cannot read, before
 * anything else reads them: Spring's parser throws an unchecked index error for some malformed
 * {@code Accept} values (again while choosing an exception handler), and an assertion error for a
 * {@code Content-Type} with a wildcard ({@code *}{@code /*}, {@code text/*}) when it reads the
 * request's headers, so the request would end as a 500.
 *
 * <p>A malformed {@code Accept} is 400. A {@code Content-Type} that no body can have is ignored on
 * a request without a body (GET, HEAD, DELETE, OPTIONS) and 415 on one with a body.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class MalformedHeadersFilter extends OncePerRequestFilter {

  /** The methods whose requests AGP reads no body of. */
  private static final Set<String> WITHOUT_BODY = Set.of("GET", "HEAD", "DELETE", "OPTIONS");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      MediaType.parseMediaTypes(Collections.list(request.getHeaders(HttpHeaders.ACCEPT)));
    } catch (RuntimeException e) {
      problem(
          response,
          HttpServletResponse.SC_BAD_REQUEST,
          "the Accept header is malformed",
          HttpHeaders.ACCEPT);
      return;
    }
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && !isConcrete(contentType)) {
      if (WITHOUT_BODY.contains(request.getMethod())) {
        chain.doFilter(new WithoutContentType(request), response);
      } else {
        problem(
            response,
            HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
            "the Content-Type header is not the media type of a body",
            HttpHeaders.CONTENT_TYPE);
      }
      return;
    }
    chain.doFilter(request, response);
  }

  /** Whether a Content-Type parses and names one type and subtype, without wildcards. */
  static boolean isConcrete(String contentType) {
    try {
      MediaType type = MediaType.parseMediaType(contentType);
      return !type.isWildcardType() && !type.isWildcardSubtype();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void problem(HttpServletResponse response, int status, String detail, String field)
      throws IOException {
    response.setStatus(status);
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setCharacterEncoding("UTF-8");
    String title =
        status == HttpServletResponse.SC_BAD_REQUEST ? "Bad Request" : "Unsupported Media Type";
    response
        .getWriter()
        .write(
            "{\"type\":\"about:blank\",\"title\":\""
                + title
                + "\",\"status\":"
                + status
                + ",\"detail\":\""
                + detail
                + "\",\"field\":\""
                + field
                + "\"}");
  }

  /** The request as if it carried no Content-Type, which a request without a body needs none of. */
  private static final class WithoutContentType extends HttpServletRequestWrapper {

    WithoutContentType(HttpServletRequest request) {
      super(request);
    }

    @Override
    public String getContentType() {
      return null;
    }

    @Override
    public String getHeader(String name) {
      return HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)
          ? Collections.emptyEnumeration()
          : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(
          Collections.list(super.getHeaderNames()).stream()
              .filter(name -> !HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name))
              .toList());
    }
  }
}
