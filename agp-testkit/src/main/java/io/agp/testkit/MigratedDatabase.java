package io.agp.testkit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A fresh database on the shared PostgreSQL server, migrated from the {@code db/migration}
 * resources of the test's classpath (the migrations of agp-common), with a pool on it.
 */
public record MigratedDatabase(
    HikariDataSource dataSource, JdbcClient jdbc, TransactionTemplate transactions)
    implements AutoCloseable {

  public static MigratedDatabase create() {
    PostgresTestServer postgres = PostgresTestServer.shared();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.newDatabase());
    config.setUsername(postgres.user());
    config.setMaximumPoolSize(24);
    HikariDataSource dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    return new MigratedDatabase(
        dataSource,
        JdbcClient.create(dataSource),
        new TransactionTemplate(new JdbcTransactionManager(dataSource)));
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
