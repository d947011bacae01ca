package io.agp.api.interactive;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What an interactive request needs of its client's connection that the servlet API cannot tell:
 * whether the client is still there while nothing is written to it (a query that computes for a
 * minute before its first row), and a way to end the connection where the response is when the
 * query fails after its first bytes went out. A valve hands both to the requests of the synchronous
 * run and the ClickHouse proxy.
 *
 * <p>A client that closed its connection is found by a read that does not wait: Tomcat's {@code
 * AVAILABLE} action reads what the socket holds, and the end of the stream shows as bytes to read.
 * The request body has been read by then; HTTP/1.1 clients send nothing more before the answer, so
 * anything to read means the client has gone (or pipelines, which no client does here).
 */
@Configuration(proxyBeanMethods = false)
class ClientConnections {

  private static final String ATTRIBUTE = ClientConnections.class.getName();

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> clientConnectionValve() {
    return factory -> factory.addContextValves(new ConnectionValve());
  }

  /** The client's end of an interactive request. */
  interface ClientConnection {

    /** Whether the client closed its connection; only once the request body has been read. */
    boolean gone();

    /**
     * Swallows the rest of the response and closes the connection, so that the client sees the
     * answer end short rather than complete.
     */
    void drop(Throwable reason);
  }

  /** The request's connection; on a server other than Tomcat, one that never looks gone. */
  static ClientConnection of(HttpServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof ClientConnection connection
        ? connection
        : new ClientConnection() {
          @Override
          public boolean gone() {
            return false;
          }

          @Override
          public void drop(Throwable reason) {}
        };
  }

  private static final class ConnectionValve extends ValveBase {

    ConnectionValve() {
      super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      String uri = request.getRequestURI();
      if (uri != null && (uri.startsWith("/v1/sync/") || uri.startsWith("/v1/chproxy"))) {
        org.apache.coyote.Request coyoteRequest = request.getCoyoteRequest();
        org.apache.coyote.Response coyoteResponse = response.getCoyoteResponse();
        request.setAttribute(
            ATTRIBUTE,
            new ClientConnection() {
              @Override
              public boolean gone() {
                coyoteRequest.action(ActionCode.AVAILABLE, Boolean.TRUE);
                return coyoteRequest.getAvailable() > 0;
              }

              @Override
              public void drop(Throwable reason) {
                coyoteResponse.action(ActionCode.CLOSE_NOW, reason);
              }
            });
      }
      getNext().invoke(request, response);
    }
  }
}
