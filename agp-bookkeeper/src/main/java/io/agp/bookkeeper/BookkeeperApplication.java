package io.agp.bookkeeper;

import io.agp.config.AgpCommonConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * Keeps the executions table honest: requeues executions of dead workers and expires old results;
 * sends the completion callbacks of ended executions. It also owns the schema: like every app it
 * runs the Flyway migrations at start.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(AgpCommonConfiguration.class)
public class BookkeeperApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  /**
   * The application, reading {@code agp-bookkeeper.yaml} and then {@code application.yaml}: each
   * app's own file has its own name, so that the three can share one classpath (the local mode,
   * tests).
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(BookkeeperApplication.class)
        .properties("spring.config.name=agp-bookkeeper,application");
  }
}
