package io.agp.api;

import io.agp.config.AgpCommonConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** The REST API under /v1/async: creates executions, reports their state, serves results. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(AgpCommonConfiguration.class)
public class ApiApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  /**
   * The application, reading {@code agp-api.yaml} and then {@code application.yaml}: each app's own
   * file has its own name, so that the three can share one classpath (the local mode, tests).
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(ApiApplication.class)
        .properties("spring.config.name=agp-api,application");
  }
}
