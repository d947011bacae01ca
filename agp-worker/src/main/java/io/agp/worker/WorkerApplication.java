package io.agp.worker;

import io.agp.config.AgpCommonConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** Claims executions of its tiers, runs them on ClickHouse and stores their results. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(AgpCommonConfiguration.class)
public class WorkerApplication {

  /** The JDK HTTP client's read buffer, unless the command line sets one. */
  static final String HTTP_CLIENT_BUFFER = "262144";

  public static void main(String[] args) {
    useLargeHttpClientBuffers();
    builder().run(args);
  }

  /**
   * Raises the JDK HTTP client's read buffer from 16 KiB to 256 KiB. Results stream from ClickHouse
   * through that client, which hands each buffer between threads: larger buffers mean fewer hand-
   * offs (10 M CSV rows: 5.5 s down to 4.7 s, see bench/README.md). The client reads the setting
   * once, when its first instance is made, so this must run before anything makes one.
   */
  public static void useLargeHttpClientBuffers() {
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", HTTP_CLIENT_BUFFER);
    }
  }

  /**
   * The application, reading {@code agp-worker.yaml} and then {@code application.yaml}: each app's
   * own file has its own name, so that the three can share one classpath (the local mode, tests).
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(WorkerApplication.class)
        .properties("spring.config.name=agp-worker,application");
  }
}
