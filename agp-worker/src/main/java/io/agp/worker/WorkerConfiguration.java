package io.agp.worker;

import io.agp.execution.ExecutionRepository;
import io.agp.execution.NotificationListener;
import io.agp.results.ResultStore;
import io.agp.results.StoreConnections;
import io.agp.tier.Tiers;
import io.agp.worker.run.ExecutionNotifications;
import io.agp.worker.run.WorkerPools;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  /** An upload per slot of the tiers this worker serves. */
  @Bean
  StoreConnections storeConnections(WorkerProperties properties, Tiers tiers) {
    return StoreConnections.forWorker(
        properties.servedTiers(tiers).stream()
            .mapToInt(name -> tiers.get(name).concurrency())
            .sum());
  }

  @Bean
  WorkerPools workerPools(
      WorkerProperties properties,
      Tiers tiers,
      ExecutionRepository executions,
      ResultStore results,
      Clock clock,
      MeterRegistry meters) {
    return new WorkerPools(
        properties, tiers, new WorkerPools.Services(executions, results, clock, meters));
  }

  @Bean
  ExecutionNotifications executionNotifications(
      WorkerPools pools, NotificationListener.Target database, JdbcClient jdbc) {
    return new ExecutionNotifications(database, pools, jdbc);
  }
}
