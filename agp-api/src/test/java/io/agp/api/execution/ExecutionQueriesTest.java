package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which executions a user's list shows: those created and those joined, no others. */
class ExecutionQueriesTest extends FreshDatabaseTest {

  private static final QueryHash HASH =
      new QueryHash("a key of the tests".getBytes(StandardCharsets.UTF_8));

  @Test
  void aUserListsTheExecutionsItJoinedByCollapsingAndNotOthers() {
    String sql = "SELECT 'listed " + System.nanoTime() + "'";
    String hash = HASH.of(sql, "JSON", Map.of());
    long id = create(hash, sql, "alice").execution().id();

    assertThat(list("bob", hash)).isEmpty();
    assertThat(create(hash, sql, "bob")).isInstanceOf(CreateOutcome.Collapsed.class);

    assertThat(list("bob", hash)).extracting(Execution::id).containsExactly(id);
    assertThat(list("alice", hash)).extracting(Execution::id).containsExactly(id);
    assertThat(list("carol", hash)).isEmpty();
  }

  private static CreateOutcome create(String hash, String sql, String user) {
    return repository.createOrCollapse(
        NewExecution.builder(hash, sql).format("JSON").createdBy(user).build());
  }

  private static java.util.List<Execution> list(String user, String queryId) {
    return queries.list(
        new ExecutionQueries.ListFilter(
            user, queryId, null, null, null, null, null, null, Map.of()),
        null,
        10);
  }
}
