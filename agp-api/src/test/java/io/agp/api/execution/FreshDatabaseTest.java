package io.agp.api.execution;

import io.agp.execution.ExecutionRepository;
import io.agp.execution.NewExecution;
import io.agp.testkit.MigratedDatabase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the tests of the API's own reads share: a freshly migrated database of their class, the
 * repository that writes executions as the API and the worker do, and the reads under test.
 */
abstract class FreshDatabaseTest {

  static final Duration LEASE = Duration.ofSeconds(30);

  static MigratedDatabase db;
  static ExecutionRepository repository;
  static ExecutionQueries queries;

  @BeforeAll
  static void migrate() {
    db = MigratedDatabase.create();
    repository = new ExecutionRepository(db.jdbc(), db.transactions());
    queries = new ExecutionQueries(db.jdbc(), db.transactions());
  }

  @AfterAll
  static void close() {
    db.close();
  }

  /** A new PENDING execution of {@code user} in {@code tier}, of the default priority. */
  static long pending(String tier, String user) {
    return pending(tier, user, 0);
  }

  static long pending(String tier, String user, int priority) {
    return repository
        .createOrCollapse(
            NewExecution.builder(UUID.randomUUID().toString(), "SELECT 1")
                .queryHash("h")
                .format("JSON")
                .tier(tier)
                .createdBy(user)
                .priority(priority)
                .build())
        .execution()
        .id();
  }
}
