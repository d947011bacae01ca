package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.testkit.MigratedDatabase;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The Java life cycle and the database's must be the same, status for status. */
class ExecutionStatusDatabaseTest {

  private static MigratedDatabase db;

  @BeforeAll
  static void migrate() {
    db = MigratedDatabase.create();
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void javaStatusesEqualTheDatabaseConstraint() {
    String definition =
        db.jdbc()
            .sql(
                "select pg_get_constraintdef(oid) from pg_constraint"
                    + " where conname = 'executions_status_check'")
            .query(String.class)
            .single();
    Set<String> inDatabase = new TreeSet<>();
    Matcher quoted = Pattern.compile("'([A-Z_]+)'").matcher(definition);
    while (quoted.find()) {
      inDatabase.add(quoted.group(1));
    }

    assertThat(inDatabase)
        .isEqualTo(
            Arrays.stream(ExecutionStatus.values())
                .map(Enum::name)
                .collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void theDatabaseAllowsExactlyTheTransitionsOfTheJavaLifeCycle() {
    for (ExecutionStatus from : ExecutionStatus.values()) {
      for (ExecutionStatus to : ExecutionStatus.values()) {
        if (from == to) {
          continue;
        }
        long id = insert(from);
        if (from.canBecome(to)) {
          assertThat(update(id, to)).as("%s -> %s", from, to).isEqualTo(1);
        } else {
          assertThatThrownBy(() -> update(id, to))
              .as("%s -> %s", from, to)
              .isInstanceOf(DataIntegrityViolationException.class)
              .hasMessageContaining("cannot become");
        }
      }
    }
  }

  @Test
  void theDatabaseRefusesAnUnknownStatus() {
    long id = insert(ExecutionStatus.PENDING);

    assertThatThrownBy(
            () ->
                db.jdbc()
                    .sql("update executions set status = 'LOST' where id = :id")
                    .param("id", id)
                    .update())
        .isInstanceOf(DataIntegrityViolationException.class);
  }

  @Test
  void aCreatedExecutionNotifiesTheWorkersOfItsTierWithACount() throws Exception {
    try (var connection = db.dataSource().getConnection();
        var statement = connection.createStatement()) {
      statement.execute("listen agp_execution_pending");
      new ExecutionRepository(db.jdbc(), db.transactions())
          .createOrCollapse(newExecution("lifecycle"));

      PGNotification[] notifications =
          connection.unwrap(PGConnection.class).getNotifications(5_000);

      assertThat(notifications).isNotNull();
      assertThat(notifications[0].getName()).isEqualTo("agp_execution_pending");
      Channels.PendingWake wake = Channels.pendingWake(notifications[0].getParameter());
      assertThat(wake.tier()).isEqualTo("lifecycle");
      assertThat(wake.count()).isEqualTo(1);
    }
  }

  @Test
  void aCreateInATransactionNotifiesOnlyOnceItCommitted() throws Exception {
    TransactionTemplate transaction =
        new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()));
    try (var connection = db.dataSource().getConnection();
        var statement = connection.createStatement()) {
      statement.execute("listen agp_execution_pending");
      PGConnection listener = connection.unwrap(PGConnection.class);

      PGNotification[] beforeCommit =
          transaction.execute(
              status -> {
                new ExecutionRepository(db.jdbc(), db.transactions())
                    .createOrCollapse(newExecution("in-transaction"));
                try {
                  return listener.getNotifications(500);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      PGNotification[] afterCommit = listener.getNotifications(5_000);

      assertThat(beforeCommit).isNullOrEmpty();
      assertThat(afterCommit)
          .extracting(n -> Channels.pendingWake(n.getParameter()).tier())
          .contains("in-transaction");
    }
  }

  @Test
  void anExecutionBackToPendingNotifiesTheWorkersOfItsTier() throws Exception {
    long id = insert(ExecutionStatus.RUNNING);
    try (var connection = db.dataSource().getConnection();
        var statement = connection.createStatement()) {
      statement.execute("listen agp_execution_pending");
      update(id, ExecutionStatus.PENDING);

      PGNotification[] notifications =
          connection.unwrap(PGConnection.class).getNotifications(5_000);

      assertThat(notifications).extracting(PGNotification::getParameter).contains("lifecycle");
    }
  }

  private static NewExecution newExecution(String tier) {
    String queryId = UUID.randomUUID().toString();
    return NewExecution.builder(queryId, "SELECT 1")
        .format("JSON")
        .tier(tier)
        .createdBy("t")
        .build();
  }

  private static long insert(ExecutionStatus status) {
    return db.jdbc()
        .sql(
            """
            insert into executions (query_id, query_hash, sql, tier, created_by, status,
                                    worker_id, lease_expires_at)
            values (gen_random_uuid()::text, 'h', 'SELECT 1', 'lifecycle', 't', :status,
                    'w', now() + interval '1 minute')
            returning id
            """)
        .param("status", status.name())
        .query(Long.class)
        .single();
  }

  private static int update(long id, ExecutionStatus to) {
    return db.jdbc()
        .sql("update executions set status = :status where id = :id")
        .param("status", to.name())
        .param("id", id)
        .update();
  }
}
