package io.agp.execution;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agp.testkit.PostgresTestServer;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A fresh database on the shared PostgreSQL server, migrated from db/migrations. */
record MigratedDatabase(
    HikariDataSource dataSource, JdbcClient jdbc, ExecutionRepository repository)
    implements AutoCloseable {

  static MigratedDatabase create() {
    PostgresTestServer postgres = PostgresTestServer.shared();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.newDatabase());
    config.setUsername(postgres.user());
    config.setMaximumPoolSize(24);
    HikariDataSource dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    JdbcClient jdbc = JdbcClient.create(dataSource);
    TransactionTemplate transactions =
        new TransactionTemplate(new JdbcTransactionManager(dataSource));
    return new MigratedDatabase(dataSource, jdbc, new ExecutionRepository(jdbc, transactions));
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
