package io.agp.api.execution;

import io.agp.execution.ExecutionRepository;
import io.agp.testkit.MigratedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the tests of the API's own reads share: a freshly migrated database of their class, the
 * repository that writes executions as the API and the worker do, and the reads under test.
 */
abstract class FreshDatabaseTest {

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
}
