package io.agp.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers 400 to an {@code Accept} header that does not parse, before anything else reads it.
 * Spring's parser throws an unchecked index error (not its own invalid-media-type exception) for
 * some malformed values, and it does so again while choosing an exception handler, so the request
 * would end as a 500.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class MalformedAcceptFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      MediaType.parseMediaTypes(Collections.list(request.getHeaders(HttpHeaders.ACCEPT)));
    } catch (RuntimeException e) {
      response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
      response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
      response.setCharacterEncoding("UTF-8");
      response
          .getWriter()
          .write(
              "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
                  + "\"detail\":\"the Accept header is malformed\",\"field\":\"Accept\"}");
      return;
    }
    chain.doFilter(request, response);
  }
}
