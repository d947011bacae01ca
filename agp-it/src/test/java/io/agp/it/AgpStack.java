package io.agp.it;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.testkit.PostgresTestServer;
import io.agp.testkit.TestServerProperties;
import io.agp.worker.WorkerApplication;
import java.net.URI;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The API, a worker and the bookkeeper, each its own Spring application as in production, in this
 * JVM against the real test servers and a database of their own.
 */
public final class AgpStack implements AutoCloseable {

  private final ConfigurableApplicationContext api;
  private final ConfigurableApplicationContext worker;
  private final ConfigurableApplicationContext bookkeeper;
  private final String jdbcUrl;

  private AgpStack(
      ConfigurableApplicationContext api,
      ConfigurableApplicationContext worker,
      ConfigurableApplicationContext bookkeeper,
      String jdbcUrl) {
    this.api = api;
    this.worker = worker;
    this.bookkeeper = bookkeeper;
    this.jdbcUrl = jdbcUrl;
  }

  /** Starts both apps; {@code extra} adds or overrides properties (e.g. the result store). */
  public static AgpStack start(Map<String, Object> extra) {
    String jdbcUrl = PostgresTestServer.shared().newDatabase();
    Map<String, Object> properties = TestServerProperties.forDatabase(jdbcUrl);
    properties.put("agp.worker.poll-interval", "100ms");
    properties.put("agp.bookkeeper.expiry.interval", "200ms");
    properties.putAll(extra);
    String[] args = TestServerProperties.toArgs(properties);
    ConfigurableApplicationContext api = ApiApplication.builder().run(args);
    ConfigurableApplicationContext worker = WorkerApplication.builder().run(args);
    ConfigurableApplicationContext bookkeeper = BookkeeperApplication.builder().run(args);
    return new AgpStack(api, worker, bookkeeper, jdbcUrl);
  }

  public URI apiUrl(String path) {
    int port = ((WebServerApplicationContext) api).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }

  /** A bean of the API's context, e.g. its result store. */
  <T> T apiBean(Class<T> type) {
    return api.getBean(type);
  }

  URI workerUrl(String path) {
    int port = ((WebServerApplicationContext) worker).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }

  URI bookkeeperUrl(String path) {
    int port = ((WebServerApplicationContext) bookkeeper).getWebServer().getPort();
    return URI.create("http://localhost:" + port + path);
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** Stops the worker alone, as a crashed or scaled-down worker Deployment would. */
  void stopWorker() {
    worker.close();
  }

  /** Stops the bookkeeper alone. */
  void stopBookkeeper() {
    bookkeeper.close();
  }

  @Override
  public void close() {
    bookkeeper.close();
    worker.close();
    api.close();
  }
}
