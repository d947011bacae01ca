package io.agp.api;

import io.agp.api.execution.ExecutionQueries;
import io.agp.api.queue.QueueQueries;
import io.agp.api.usage.UsageQueries;
import io.agp.execution.QueryHash;
import io.agp.results.StoreConnections;
import io.agp.schedule.PeriodicJob;
import io.agp.schedule.ScheduledJobs;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Beans only the API needs. */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

  @Bean
  ExecutionQueries executionQueries(JdbcClient jdbc, TransactionTemplate transactions) {
    return new ExecutionQueries(jdbc, transactions);
  }

  /** Each download streams from an S3 connection of its own while it lasts. */
  @Bean
  StoreConnections storeConnections() {
    return StoreConnections.API;
  }

  @Bean
  QueueQueries queueQueries(JdbcClient jdbc) {
    return new QueueQueries(jdbc);
  }

  @Bean
  UsageQueries usageQueries(JdbcClient jdbc, TransactionTemplate transactions) {
    return new UsageQueries(jdbc, transactions);
  }

  /**
   * The key of query hashes: {@code agp.api.query-hash-secret}, else one derived from the first
   * link secret (never that secret itself, so that a hash reveals nothing of what signs links).
   */
  @Bean
  QueryHash queryHash(ApiProperties properties) {
    if (!properties.queryHashSecret().isBlank()) {
      return new QueryHash(properties.queryHashSecret().getBytes(StandardCharsets.UTF_8));
    }
    if (properties.linkSecrets().isEmpty()) {
      // ResultLinks refuses to start with a clear message; no need for a second one here.
      return new QueryHash(new byte[] {0});
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              properties.linkSecrets().getFirst().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return new QueryHash(mac.doFinal("agp query hash key".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }

  /** The API's periodic jobs: the download watchdog, the client watch, the progress feed. */
  @Bean
  ScheduledJobs periodicJobs(List<PeriodicJob> jobs, MeterRegistry meters) {
    return new ScheduledJobs(jobs, meters);
  }

  @Bean
  TransactionTemplate transactionTemplate(PlatformTransactionManager transactions) {
    return new TransactionTemplate(transactions);
  }
}
