package io.agp.api;

import io.agp.execution.ExecutionQueries;
import io.agp.execution.ExecutionRepository;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Beans only the API needs. */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

  @Bean
  ExecutionQueries executionQueries(JdbcClient jdbc, ExecutionRepository repository) {
    return new ExecutionQueries(jdbc, repository);
  }

  @Bean
  TransactionTemplate transactionTemplate(PlatformTransactionManager transactions) {
    return new TransactionTemplate(transactions);
  }
}
