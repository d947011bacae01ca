package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.testkit.PostgresTestServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code agp.notifications.url} sends the listener's session elsewhere than the data source (to a
 * direct or session-mode URL when the data source goes through a transaction-mode pooler).
 */
class NotificationsUrlTest {

  @Test
  void theListenerConnectsToTheNotificationsUrlAndTheDataSourceToItsOwn() throws Exception {
    String elsewhere = PostgresTestServer.shared().newDatabase();
    String results = Files.createTempDirectory("agp-listen").toUri().toString();
    try (WorkerStack stack =
        WorkerStack.start(
            Map.of("agp.results.location", results, "agp.notifications.url", elsewhere))) {
      String own = database(stack.jdbcUrl());

      List<String> listening =
          await()
              .atMost(Duration.ofSeconds(15))
              .until(
                  () -> listenerDatabases(stack, own, database(elsewhere)),
                  databases -> !databases.isEmpty());

      assertThat(listening).containsExactly(database(elsewhere)).doesNotContain(own);
    }
  }

  /** The databases of the worker listeners' sessions, among the two of the test. */
  private static List<String> listenerDatabases(WorkerStack stack, String own, String elsewhere) {
    return stack
        .jdbc()
        .sql(
            "select datname from pg_stat_activity"
                + " where application_name = :name and datname in (:own, :elsewhere)")
        .param("name", ExecutionNotifications.APPLICATION_NAME)
        .param("own", own)
        .param("elsewhere", elsewhere)
        .query(String.class)
        .list();
  }

  private static String database(String jdbcUrl) {
    String path = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }
}
