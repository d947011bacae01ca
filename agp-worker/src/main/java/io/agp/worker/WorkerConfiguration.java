package io.agp.worker;

import io.agp.execution.ExecutionRepository;
import io.agp.results.ResultStore;
import io.agp.tier.Tiers;
import io.agp.worker.run.WorkerPools;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  WorkerPools workerPools(
      WorkerProperties properties,
      Tiers tiers,
      ExecutionRepository executions,
      ResultStore results,
      Clock clock) {
    return new WorkerPools(properties, tiers, executions, results, clock);
  }
}
