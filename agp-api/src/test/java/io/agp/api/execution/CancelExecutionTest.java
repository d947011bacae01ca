package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.execution.ExecutionStatus;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class CancelExecutionTest {

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  private long create() {
    return client
        .postSql("/v1/async/executions", "SELECT '" + UUID.randomUUID() + "'")
        .json()
        .get("id")
        .asLong();
  }

  @Test
  void cancelingAPendingExecutionEndsItAtOnce() {
    long id = create();

    Reply reply = client.post("/v1/async/executions/" + id + "/cancel");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("status").asString()).isEqualTo("CANCELED");
    assertThat(reply.json().has("completed_at")).isTrue();
    assertThat(api.repository().get(id).orElseThrow().status()).isEqualTo(ExecutionStatus.CANCELED);
  }

  @Test
  void cancelingARunningExecutionNotifiesItsWorker() throws Exception {
    long id = create();
    api.start(id);
    DataSource dataSource = api.context.getBean(DataSource.class);
    try (Connection listener = dataSource.getConnection();
        Statement statement = listener.createStatement()) {
      statement.execute("listen agp_execution_canceled");

      Reply reply = client.post("/v1/async/executions/" + id + "/cancel");

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.json().get("status").asString()).isEqualTo("CANCELED");
      PGNotification[] notifications =
          listener.unwrap(PGConnection.class).getNotifications((int) TimeUnit.SECONDS.toMillis(10));
      assertThat(notifications).isNotNull();
      assertThat(notifications).extracting(PGNotification::getParameter).contains("" + id);
    }
  }

  @Test
  void cancelingAnEndedExecutionIsA409AndChangesNothing() throws Exception {
    long id = create();
    api.succeed(id, "{}".getBytes(StandardCharsets.UTF_8), null);

    Reply reply = client.post("/v1/async/executions/" + id + "/cancel");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.json().get("execution_id").asLong()).isEqualTo(id);
    assertThat(reply.json().get("detail").asString()).contains("SUCCEEDED");
    assertThat(api.repository().get(id).orElseThrow().status())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void cancelingAnUnknownExecutionIsA404() {
    Reply reply = client.post("/v1/async/executions/99999999/cancel");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
  }
}
