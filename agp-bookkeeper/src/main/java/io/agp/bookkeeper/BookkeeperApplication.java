package io.agp.bookkeeper;

import io.agp.config.AgpCommonConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * Keeps the executions table honest: requeues executions of dead workers and expires old results.
 * It also owns the schema: like every app it runs the Flyway migrations at start.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(AgpCommonConfiguration.class)
public class BookkeeperApplication {

  public static void main(String[] args) {
    SpringApplication.run(BookkeeperApplication.class, args);
  }
}
