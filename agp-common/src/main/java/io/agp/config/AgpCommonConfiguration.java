package io.agp.config;

import io.agp.callback.CallbackGuard;
import io.agp.callback.CallbackProperties;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.NotificationListener;
import io.agp.refresh.ScheduleRepository;
import io.agp.results.ResultStore;
import io.agp.results.ResultStoreProperties;
import io.agp.results.ResultStores;
import io.agp.results.S3Options;
import io.agp.results.StoreConnections;
import io.agp.tier.Tiers;
import io.agp.tier.TiersProperties;
import io.agp.usage.Budgets;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The beans every AGP app needs: the executions table, the tiers, the result store, and where
 * completion callbacks may go (the API checks callback URLs at create, the bookkeeper sends them).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  TiersProperties.class,
  ResultStoreProperties.class,
  CallbackProperties.class
})
public class AgpCommonConfiguration {

  /** The clock of everything timed in Java; the database's clock times leases and expiry. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ExecutionRepository executionRepository(
      JdbcClient jdbc, PlatformTransactionManager transactionManager) {
    return new ExecutionRepository(jdbc, new TransactionTemplate(transactionManager));
  }

  @Bean
  ScheduleRepository scheduleRepository(JdbcClient jdbc) {
    return new ScheduleRepository(jdbc);
  }

  @Bean
  UsageEvents usageEvents(JdbcClient jdbc) {
    return new UsageEvents(jdbc);
  }

  @Bean
  Budgets budgets(JdbcClient jdbc, Tiers tiers, Clock clock) {
    return new Budgets(jdbc, tiers, clock);
  }

  @Bean
  UsageRollups usageRollups(JdbcClient jdbc) {
    return new UsageRollups(jdbc);
  }

  /**
   * Where the apps' notification listeners connect: the application's own database, or {@code
   * agp.notifications.url} when the data source goes through a pooler in transaction mode, where
   * LISTEN does not work (a listener needs a session of its own).
   */
  @Bean
  NotificationListener.Target notificationTarget(
      @Value("${agp.notifications.url:${spring.datasource.url}}") String url,
      @Value("${spring.datasource.username:}") String user,
      @Value("${spring.datasource.password:}") String password) {
    return new NotificationListener.Target(url, user, password);
  }

  @Bean
  Tiers tiers(TiersProperties properties) {
    return new Tiers(properties);
  }

  @Bean
  CallbackGuard callbackGuard(CallbackProperties properties) {
    return new CallbackGuard(properties.allowedHosts());
  }

  /** The app's store, with as many S3 connections as the app says it needs, unless configured. */
  @Bean(destroyMethod = "close")
  ResultStore resultStore(
      ResultStoreProperties properties, ObjectProvider<StoreConnections> connections) {
    int count =
        connections
            .getIfAvailable(() -> new StoreConnections(S3Options.DEFAULT_MAX_CONNECTIONS))
            .count();
    return ResultStores.open(properties.locationUri(), properties.s3().options(count));
  }
}
