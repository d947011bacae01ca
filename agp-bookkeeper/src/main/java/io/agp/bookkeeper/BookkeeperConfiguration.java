package io.agp.bookkeeper;

import io.agp.bookkeeper.callbacks.CallbackPoster;
import io.agp.bookkeeper.callbacks.CallbackRepository;
import io.agp.bookkeeper.callbacks.CallbackSender;
import io.agp.bookkeeper.expiry.ExecutionExpirer;
import io.agp.bookkeeper.orphans.OrphanSweeper;
import io.agp.bookkeeper.queue.QueueMetrics;
import io.agp.bookkeeper.refresh.ScheduleRunner;
import io.agp.bookkeeper.rescue.DeadExecutionRequeuer;
import io.agp.bookkeeper.secrets.ParameterWiper;
import io.agp.bookkeeper.stats.QueryLogStatsReader;
import io.agp.bookkeeper.usage.UsageRollup;
import io.agp.callback.CallbackGuard;
import io.agp.callback.CallbackProperties;
import io.agp.execution.ExecutionRepository;
import io.agp.refresh.ScheduleRepository;
import io.agp.results.ResultStore;
import io.agp.results.StoreConnections;
import io.agp.schedule.PeriodicJob;
import io.agp.schedule.ScheduledJobs;
import io.agp.tier.TierClickHouseClients;
import io.agp.tier.Tiers;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
class BookkeeperConfiguration {

  @Bean
  StoreConnections storeConnections() {
    return StoreConnections.BOOKKEEPER;
  }

  @Bean
  MaintenanceRepository maintenanceRepository(JdbcClient jdbc) {
    return new MaintenanceRepository(jdbc);
  }

  @Bean(destroyMethod = "close")
  TierClickHouseClients tierClickHouseClients(Tiers tiers) {
    return new TierClickHouseClients(tiers);
  }

  @Bean
  DeadExecutionRequeuer deadExecutionRequeuer(
      MaintenanceRepository maintenance,
      TierClickHouseClients clickhouse,
      BookkeeperProperties properties,
      MeterRegistry meters) {
    return new DeadExecutionRequeuer(maintenance, clickhouse, properties.rescue(), meters);
  }

  @Bean
  ExecutionExpirer executionExpirer(
      MaintenanceRepository maintenance,
      ResultStore results,
      BookkeeperProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new ExecutionExpirer(maintenance, results, properties.expiry(), clock, meters);
  }

  @Bean
  OrphanSweeper orphanSweeper(
      MaintenanceRepository maintenance,
      ResultStore results,
      BookkeeperProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new OrphanSweeper(maintenance, results, properties.orphans(), clock, meters);
  }

  @Bean
  ParameterWiper parameterWiper(
      MaintenanceRepository maintenance, BookkeeperProperties properties) {
    return new ParameterWiper(maintenance, properties.secrets());
  }

  @Bean
  QueueMetrics queueMetrics(
      MaintenanceRepository maintenance,
      Tiers tiers,
      MeterRegistry meters,
      BookkeeperProperties properties) {
    return new QueueMetrics(maintenance, tiers, meters, properties.queueMetrics().interval());
  }

  @Bean(destroyMethod = "close")
  CallbackPoster callbackPoster(CallbackProperties properties) throws NoSuchAlgorithmException {
    return new CallbackPoster(
        properties.connectTimeout(), properties.readTimeout(), SSLContext.getDefault());
  }

  /** Only when callbacks are enabled: it needs their secret, and fails to start without it. */
  @Bean
  @ConditionalOnBooleanProperty("agp.callbacks.enabled")
  CallbackSender callbackSender(
      JdbcClient jdbc,
      ExecutionRepository executions,
      CallbackGuard guard,
      CallbackPoster poster,
      CallbackProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new CallbackSender(
        new CallbackRepository(jdbc), guard, poster, properties, clock, meters);
  }

  @Bean
  QueryLogStatsReader queryLogStatsReader(
      MaintenanceRepository maintenance,
      UsageEvents usage,
      Tiers tiers,
      TierClickHouseClients clickhouse,
      BookkeeperProperties properties,
      MeterRegistry meters) {
    return new QueryLogStatsReader(
        maintenance, usage, tiers, clickhouse, properties.queryLog(), meters);
  }

  @Bean
  ScheduleRunner scheduleRunner(
      ScheduleRepository schedules,
      ExecutionRepository executions,
      Tiers tiers,
      PlatformTransactionManager transactionManager,
      BookkeeperProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new ScheduleRunner(
        schedules,
        executions,
        tiers,
        new TransactionTemplate(transactionManager),
        properties.schedules(),
        clock,
        meters);
  }

  @Bean
  UsageRollup usageRollup(
      UsageRollups rollups, BookkeeperProperties properties, MeterRegistry meters) {
    return new UsageRollup(rollups, properties.usage(), meters);
  }

  /** Every duty of the bookkeeper (the callback sender only when callbacks are enabled). */
  @Bean
  ScheduledJobs duties(List<PeriodicJob> duties, MeterRegistry meters) {
    return new ScheduledJobs(duties, meters);
  }
}
