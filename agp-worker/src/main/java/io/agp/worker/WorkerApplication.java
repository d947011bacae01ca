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

  public static void main(String[] args) {
    builder().run(args);
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
