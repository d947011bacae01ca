package io.agp.api.result;

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
 * Lets a download end its client's connection where the response is. The servlet API has no way to
 * say that a response cannot go on: completing the request would end it as if whole, short of its
 * {@code Content-Length}, and leave the client waiting for the rest. Tomcat's own answer to a
 * response that fails once committed is {@code CLOSE_NOW}: the rest of the response is swallowed
 * and the socket closed. It is reached through Tomcat's response, which a valve sees; the valve
 * hands each GET a way to ask for it.
 */
@Configuration(proxyBeanMethods = false)
class ConnectionDrops {

  private static final String ATTRIBUTE = ConnectionDrops.class.getName();

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> connectionDropValve() {
    return factory -> factory.addContextValves(new DropValve());
  }

  /** Ends a connection where its response is. */
  @FunctionalInterface
  interface Drop {

    /**
     * Swallows the rest of the response and closes the connection, so that the client sees it end
     * before the announced length. Only while the request is being answered: Tomcat reuses its
     * response objects for later requests.
     *
     * @param reason what Tomcat records as the cause
     */
    void now(Throwable reason);
  }

  /** How to drop the request's connection; on a server other than Tomcat, nothing. */
  static Drop of(HttpServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof Drop drop ? drop : reason -> {};
  }

  private static final class DropValve extends ValveBase {

    DropValve() {
      super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      // Downloads are GETs; the other requests need not pay for the attribute.
      if ("GET".equals(request.getMethod())) {
        org.apache.coyote.Response coyote = response.getCoyoteResponse();
        request.setAttribute(
            ATTRIBUTE, (Drop) reason -> coyote.action(ActionCode.CLOSE_NOW, reason));
      }
      getNext().invoke(request, response);
    }
  }
}
