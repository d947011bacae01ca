package io.agp.api;

import io.agp.config.AgpCommonConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** The REST API under /v1/async: creates executions, reports their state, serves results. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(AgpCommonConfiguration.class)
public class ApiApplication {

  public static void main(String[] args) {
    SpringApplication.run(ApiApplication.class, args);
  }
}
