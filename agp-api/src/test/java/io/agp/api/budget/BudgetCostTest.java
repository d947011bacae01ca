package io.agp.api.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * What a budget costs the database: a create on a tier with budgets sends exactly one statement
 * more than on a tier without (the charge), and the get of a settled execution still sends none per
 * poll. Statements are counted as the API's connections prepare them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetCostTest {

  private static final int CREATES = 20;

  /** The connection calls that send a statement (each JdbcClient call prepares one). */
  private static final Set<String> STATEMENTS =
      Set.of("prepareStatement", "prepareCall", "createStatement");

  private final AtomicLong statements = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();

  private final TestApi api =
      TestApi.start(
          builder ->
              builder.initializers(
                  context -> context.getBeanFactory().addBeanPostProcessor(counting())),
          "--agp.tiers.default.budgets.user.executions=1000",
          "--agp.tiers.default.budgets.user.bytes-read=1TB",
          "--agp.tiers.default.budgets.tier.executions=100000",
          "--agp.tiers.plain.clickhouse.url=http://localhost:1");

  @AfterAll
  void stop() {
    api.context.close();
  }

  private BeanPostProcessor counting() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        return bean instanceof DataSource dataSource && name.equals("dataSource")
            ? new Counting(dataSource)
            : bean;
      }
    };
  }

  /** The pool, whose connections count the statements they prepare and the commits. */
  private final class Counting extends DelegatingDataSource {

    Counting(DataSource pool) {
      super(pool);
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection connection = super.getConnection();
      InvocationHandler handler =
          (proxy, method, args) -> {
            if (STATEMENTS.contains(method.getName()) && !announcement(args)) {
              statements.incrementAndGet();
            } else if (method.getName().equals("commit")) {
              commits.incrementAndGet();
            }
            try {
              return method.invoke(connection, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          };
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }
  }

  /**
   * Whether a statement announces changes (notify.sql): those go in batches of whatever several
   * requests changed, from a thread of their own, the same with budgets or without.
   */
  private static boolean announcement(Object[] args) {
    return args != null
        && args.length > 0
        && args[0] instanceof String sql
        && sql.contains("pg_notify");
  }

  private Reply create(String tier) {
    return api.client.postJson(
        "/v1/async/executions",
        "{\"sql\": \"SELECT '" + UUID.randomUUID() + "'\", \"tier\": \"" + tier + "\"}",
        "counted");
  }

  /** Statements per create on the tier, over {@link #CREATES} creates. */
  private double statementsPerCreate(String tier) {
    create(tier);
    long before = statements.get();
    for (int i = 0; i < CREATES; i++) {
      assertThat(create(tier).status()).isEqualTo(201);
    }
    return (statements.get() - before) / (double) CREATES;
  }

  @Test
  void aCreateWithBudgetsSendsOneStatementMoreThanWithout() {
    double plain = statementsPerCreate("plain");
    long commitsBefore = commits.get();
    double budgeted = statementsPerCreate("default");
    double budgetedCommits = (commits.get() - commitsBefore) / (double) (CREATES + 1);

    System.out.printf(
        "statements per create: %.2f without budgets, %.2f with; commits per budgeted create"
            + " (announcements included): %.2f%n",
        plain, budgeted, budgetedCommits);
    assertThat(budgeted).isEqualTo(plain + 1);
    // At least the create's own transaction; the announcements' batches commit too.
    assertThat(budgetedCommits).isGreaterThanOrEqualTo(1);
  }

  @Test
  void pollingASettledExecutionWithBudgetsSendsNoStatementPerPoll() throws Exception {
    long id = create("default").json().get("id").asLong();
    api.succeed(id, "1\n".getBytes(StandardCharsets.UTF_8), null);
    api.client.get("/v1/async/executions/" + id, "X-AGP-User", "counted");
    long before = statements.get();
    long started = System.nanoTime();
    int polls = 200;
    for (int i = 0; i < polls; i++) {
      Reply reply = api.client.get("/v1/async/executions/" + id, "X-AGP-User", "counted");
      assertThat(reply.header(BudgetAnswers.EXECUTIONS_REMAINING)).isNotNull();
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000 + 1;

    // The budget is read again at most once a second; the execution never.
    assertThat(statements.get() - before).isLessThanOrEqualTo(seconds);
  }
}
