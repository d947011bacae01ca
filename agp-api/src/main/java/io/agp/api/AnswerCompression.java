package io.agp.api;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.coyote.http11.Http11NioProtocol;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API's JSON answers go out gzip-compressed to a client that accepts it: Tomcat's own
 * compression ({@code server.compression} in {@code agp-api.yaml}), which decides by content type
 * and size alone. The bytes AGP passes through are left as they are: a result download (stored
 * compressed or not, in byte ranges of the stored object: a JSON result has the API's own content
 * type) and the answers of ClickHouse relayed by the proxy and the sync run (ClickHouse compresses
 * them itself when its client asks). Such a response marks its request with {@link
 * #sendAsIs(HttpServletRequest)}, and the connector's protocol reads the mark.
 */
@Configuration(proxyBeanMethods = false)
public class AnswerCompression {

  /**
   * The mark. Tomcat hands the request attributes named {@code org.apache.tomcat.*} down to its
   * connector (as it does for its own sendfile attributes), where the decision is taken.
   */
  static final String AS_IS = "org.apache.tomcat.agp.send-as-is";

  /** Sends this request's answer uncompressed by the server, whatever the client accepts. */
  public static void sendAsIs(HttpServletRequest request) {
    request.setAttribute(AS_IS, Boolean.TRUE);
  }

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> asIsProtocol() {
    return factory -> factory.setProtocol(Protocol.class.getName());
  }

  /** Tomcat's NIO connector, compressing only answers not marked to go out as they are. */
  public static class Protocol extends Http11NioProtocol {

    @Override
    public boolean useCompression(Request request, Response response) {
      return request.getAttribute(AS_IS) == null && super.useCompression(request, response);
    }
  }
}
