package io.agp.api.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.ShiftedClock;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestTokens;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.usage.UsageEvents;
import io.agp.usage.UsageRollups;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * Daily budgets with JWT users: refused at the boundary (429 with the budget, its use and reset,
 * and Retry-After), reset at the day's turn of the API's clock, per user or for the tier as a
 * whole, enforced as one by two API instances, told in headers of a create, a get and a sync run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetsTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private final ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
  private final ShiftedClock clock = new ShiftedClock();
  private final TestApi api =
      TestApi.start(
          clock,
          "--agp.api.auth.mode=jwt",
          "--agp.api.auth.jwt-secret=" + SECRET,
          "--agp.api.auth.role-tiers.analyst=*",
          "--agp.api.rate-limit.requests-per-second=0",
          // Three runs a day per user.
          "--agp.tiers.default.budgets.user.executions=3",
          // Four runs a day for all the tier's users together.
          "--agp.tiers.gold.budgets.tier.executions=4",
          "--agp.tiers.silver.clickhouse.url=http://localhost:1",
          "--agp.tiers.silver.budgets.user.bytes-read=1KB",
          "--agp.tiers.silver.budgets.user.server-time=90s",
          "--agp.tiers.race.clickhouse.url=http://localhost:1",
          "--agp.tiers.race.budgets.user.executions=5",
          "--agp.tiers.race.budgets.tier.executions=7",
          "--agp.tiers.sync.clickhouse.url=" + clickhouse.httpUrl(),
          "--agp.tiers.sync.budgets.user.executions=2",
          "--agp.tiers.plain.clickhouse.url=http://localhost:1");
  private final ContractClient client = api.client;

  @AfterAll
  void stop() {
    api.context.close();
  }

  @BeforeEach
  void backToToday() {
    clock.reset();
  }

  private static String token(String user, String... roles) {
    List<String> all = new ArrayList<>(List.of("analyst"));
    all.addAll(List.of(roles));
    return TestTokens.signed(SECRET, user, all);
  }

  private static String newUser() {
    return "user-" + UUID.randomUUID();
  }

  private Reply create(ContractClient to, String user, String tier, String sql, String extra) {
    String body =
        "{\"sql\": \""
            + sql
            + "\", \"tier\": \""
            + tier
            + "\""
            + (extra == null ? "" : extra)
            + "}";
    return to.send(
        "POST",
        "/v1/async/executions",
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token(user))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private Reply create(String user, String tier) {
    return create(client, user, tier, "SELECT '" + UUID.randomUUID() + "'", null);
  }

  private Reply get(String token, String path) {
    return client.get(path, "Authorization", "Bearer " + token);
  }

  private Instant nextMidnight() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
        .plusDays(1)
        .atStartOfDay(ZoneOffset.UTC)
        .toInstant();
  }

  private long executionsOf(String user) {
    return api.jdbc()
        .sql("select count(*) from executions where created_by = :user")
        .param("user", user)
        .query(Long.class)
        .single();
  }

  private void assertRefused(Reply reply, String budget, String scope, long limit, long used) {
    assertThat(reply.status()).as(reply.text()).isEqualTo(429);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    JsonNode problem = reply.json();
    assertThat(problem.get("budget").asString()).isEqualTo(budget);
    assertThat(problem.get("scope").asString()).isEqualTo(scope);
    assertThat(problem.get("limit").asLong()).isEqualTo(limit);
    assertThat(problem.get("used").asLong()).isEqualTo(used);
    Instant resetsAt = Instant.parse(problem.get("resets_at").asString());
    assertThat(resetsAt).isEqualTo(nextMidnight());
    long retryAfter = Long.parseLong(reply.header("Retry-After"));
    long secondsLeft = Duration.between(clock.instant(), resetsAt).toSeconds();
    assertThat(retryAfter).isBetween(secondsLeft - 5, secondsLeft + 2).isPositive();
  }

  @Test
  void anExecutionsBudgetAdmitsExactlyItsLimitAndRefusesTheNextRun() throws Exception {
    String alice = newUser();
    List<Long> created = new ArrayList<>();
    for (long remaining = 2; remaining >= 0; remaining--) {
      Reply reply = create(alice, "default");
      assertThat(reply.status()).as(reply.text()).isEqualTo(201);
      assertThat(reply.header(BudgetAnswers.EXECUTIONS_REMAINING))
          .isEqualTo(Long.toString(remaining));
      assertThat(reply.header(BudgetAnswers.RESET)).isEqualTo(nextMidnight().toString());
      created.add(reply.json().get("id").asLong());
    }

    Reply refused = create(alice, "default");

    assertRefused(refused, "executions", "user", 3, 3);
    assertThat(refused.json().get("detail").asString()).contains("executions budget", alice);
    // The refused create left no execution behind, and did not count.
    assertThat(executionsOf(alice)).isEqualTo(3);
    assertRefused(create(alice, "default"), "executions", "user", 3, 3);
  }

  @Test
  void aCreateThatCollapsesOrReusesCostsNothingAndPassesAnySpentBudget() throws Exception {
    String bob = newUser();
    String inFlight = "SELECT 'in flight " + UUID.randomUUID() + "'";
    String done = "SELECT 'done " + UUID.randomUUID() + "'";
    assertThat(create(client, bob, "default", inFlight, null).status()).isEqualTo(201);
    Reply first = create(client, bob, "default", done, null);
    api.succeed(first.json().get("id").asLong(), "1\n".getBytes(StandardCharsets.UTF_8), null);
    assertThat(create(bob, "default").status()).isEqualTo(201);
    assertThat(create(bob, "default").status()).isEqualTo(429);

    Reply collapsed = create(client, bob, "default", inFlight, null);
    Reply reused = create(client, bob, "default", done, ", \"max_age\": 600");

    assertThat(collapsed.status()).as(collapsed.text()).isEqualTo(200);
    assertThat(collapsed.json().get("collapsed_count").asLong()).isEqualTo(1);
    assertThat(reused.status()).as(reused.text()).isEqualTo(200);
    assertThat(reused.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
    assertThat(collapsed.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("0");
    assertThat(reused.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("0");
  }

  @Test
  void oneUsersSpentBudgetLeavesAnotherUsersWhole() {
    String carol = newUser();
    String dave = newUser();
    for (int i = 0; i < 3; i++) {
      assertThat(create(carol, "default").status()).isEqualTo(201);
    }
    assertThat(create(carol, "default").status()).isEqualTo(429);

    Reply other = create(dave, "default");

    assertThat(other.status()).isEqualTo(201);
    assertThat(other.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("2");
  }

  @Test
  void aTierBudgetRefusesEveryUserOnceTheirRunsTogetherSpentIt() {
    String erin = newUser();
    String frank = newUser();
    for (int i = 0; i < 4; i++) {
      Reply reply = create(i % 2 == 0 ? erin : frank, "gold");
      assertThat(reply.status()).as(reply.text()).isEqualTo(201);
      assertThat(reply.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo(Long.toString(3 - i));
    }

    assertRefused(create(erin, "gold"), "executions", "tier", 4, 4);
    assertRefused(create(frank, "gold"), "executions", "tier", 4, 4);
    // A user who has run nothing today meets the tier's budget too.
    assertRefused(create(newUser(), "gold"), "executions", "tier", 4, 4);
  }

  @Test
  void budgetsResetAtTheTurnOfTheUtcDay() {
    String grace = newUser();
    clock.setTo(nextMidnight().minusSeconds(30));
    for (int i = 0; i < 3; i++) {
      assertThat(create(grace, "default").status()).isEqualTo(201);
    }
    Reply lastOfTheDay = create(grace, "default");
    assertRefused(lastOfTheDay, "executions", "user", 3, 3);
    assertThat(Long.parseLong(lastOfTheDay.header("Retry-After"))).isBetween(1L, 31L);
    Instant midnight = nextMidnight();

    clock.setTo(midnight.plusSeconds(1));
    Reply nextDay = create(grace, "default");

    assertThat(nextDay.status()).as(nextDay.text()).isEqualTo(201);
    assertThat(nextDay.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("2");
    assertThat(nextDay.header(BudgetAnswers.RESET))
        .isEqualTo(midnight.plus(Duration.ofDays(1)).toString());
  }

  @Test
  void aBytesReadBudgetRefusesOnceTheDaysFoldedUsageReachesIt() {
    String heidi = newUser();
    UsageEvents events = api.context.getBean(UsageEvents.class);
    UsageRollups rollups = api.context.getBean(UsageRollups.class);
    Reply fresh = create(heidi, "silver");
    assertThat(fresh.header(BudgetAnswers.BYTES_READ_REMAINING)).isEqualTo("1024");
    assertThat(fresh.header(BudgetAnswers.SERVER_SECONDS_REMAINING)).isEqualTo("90");
    assertThat(fresh.header(BudgetAnswers.EXECUTIONS_REMAINING)).isNull();

    record(events, heidi, 1000, 1500);
    rollups.rollUp(10_000);
    Reply under = create(heidi, "silver");
    assertThat(under.status()).isEqualTo(201);
    assertThat(under.header(BudgetAnswers.BYTES_READ_REMAINING)).isEqualTo("24");
    assertThat(under.header(BudgetAnswers.SERVER_SECONDS_REMAINING)).isEqualTo("88.5");

    // Not yet folded: not yet seen.
    record(events, heidi, 24, 0);
    assertThat(create(heidi, "silver").status()).isEqualTo(201);
    rollups.rollUp(10_000);

    assertRefused(create(heidi, "silver"), "bytes_read", "user", 1024, 1024);
    // Another user of the tier reads their own figures.
    assertThat(create(newUser(), "silver").status()).isEqualTo(201);
  }

  private static void record(UsageEvents events, String user, long bytes, long serverMillis) {
    events.recordQuery(
        UsageEvents.Interactive.SYNC,
        "silver",
        user,
        UsageEvents.Outcome.SUCCEEDED,
        new UsageEvents.QueryFigures(1, bytes, 0, serverMillis, 0),
        null);
  }

  @Test
  void aGetTellsTheRemainingBudgetOfTheExecutionsTierAndATierWithoutBudgetsTellsNone()
      throws Exception {
    String ivan = newUser();
    Reply created = create(ivan, "default");
    long id = created.json().get("id").asLong();
    Reply second = create(ivan, "default");
    assertThat(second.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("1");

    Reply got = get(token(ivan), "/v1/async/executions/" + id);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("1");
    assertThat(got.header(BudgetAnswers.RESET)).isEqualTo(nextMidnight().toString());
    // A settled execution is answered from memory, with the budget still.
    api.succeed(id, "1\n".getBytes(StandardCharsets.UTF_8), null);
    for (int i = 0; i < 2; i++) {
      Reply settled = get(token(ivan), "/v1/async/executions/" + id);
      assertThat(settled.json().get("status").asString()).isEqualTo("SUCCEEDED");
      assertThat(settled.header(BudgetAnswers.EXECUTIONS_REMAINING)).isEqualTo("1");
    }

    Reply plain = create(ivan, "plain");
    assertThat(plain.status()).isEqualTo(201);
    Reply plainGot = get(token(ivan), "/v1/async/executions/" + plain.json().get("id").asLong());
    for (Reply reply : List.of(plain, plainGot)) {
      assertThat(reply.headers().keySet()).noneMatch(name -> name.startsWith("agp-budget-"));
    }
  }

  @Test
  void aSyncRunIsChargedAndRefusedPastTheBudgetAsAProxyQueryIs() {
    String judy = newUser();
    // A proxy query refused for what it asks is no run.
    Reply lifted = proxy(judy, "&readonly=0");
    assertThat(lifted.status()).as(lifted.text()).isEqualTo(400);
    for (long remaining = 1; remaining >= 0; remaining--) {
      Reply run = syncRun(judy);
      assertThat(run.status()).as(run.text()).isEqualTo(200);
      assertThat(run.header(BudgetAnswers.EXECUTIONS_REMAINING))
          .isEqualTo(Long.toString(remaining));
      assertThat(run.header(BudgetAnswers.RESET)).isEqualTo(nextMidnight().toString());
    }

    assertRefused(syncRun(judy), "executions", "user", 2, 2);
    assertRefused(proxy(judy, ""), "executions", "user", 2, 2);
    // A new user's proxy query passes.
    Reply other = proxy(newUser(), "");
    assertThat(other.status()).as(other.text()).isEqualTo(200);
  }

  private Reply proxy(String user, String parameters) {
    return client.send(
        "POST",
        "/v1/chproxy/?agp_tier=sync" + parameters,
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token(user))
            .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")));
  }

  private Reply syncRun(String user) {
    return client.send(
        "POST",
        "/v1/sync/run?tier=sync&format=CSV",
        HttpRequest.newBuilder()
            .header("Authorization", "Bearer " + token(user))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("SELECT 1")));
  }

  @Test
  void theBudgetsPageShowsTheCallersBudgetsAndAnotherUsersToAdminsOnly() {
    String kim = newUser();
    create(kim, "default");
    create(kim, "default");

    Reply own = get(token(kim), "/v1/usage/budgets");

    assertThat(own.status()).as(own.text()).isEqualTo(200);
    JsonNode page = own.json();
    assertThat(page.get("user").asString()).isEqualTo(kim);
    assertThat(page.get("resets_at").asString()).isEqualTo(nextMidnight().toString());
    JsonNode defaultLine = line(page, "default", "user", "executions");
    assertThat(defaultLine.get("limit").asLong()).isEqualTo(3);
    assertThat(defaultLine.get("used").asLong()).isEqualTo(2);
    assertThat(defaultLine.get("remaining").asLong()).isEqualTo(1);
    assertThat(line(page, "silver", "user", "bytes_read").get("limit").asLong()).isEqualTo(1024);
    assertThat(line(page, "gold", "tier", "executions")).isNotNull();

    String query = "/v1/usage/budgets?user=" + URLEncoder.encode(kim, StandardCharsets.UTF_8);
    assertThat(get(token(newUser()), query).status()).isEqualTo(403);
    Reply asAdmin = get(token(newUser(), "admin"), query);
    assertThat(asAdmin.status()).isEqualTo(200);
    assertThat(line(asAdmin.json(), "default", "user", "executions").get("used").asLong())
        .isEqualTo(2);
  }

  private static JsonNode line(JsonNode page, String tier, String scope, String budget) {
    for (JsonNode line : page.get("budgets")) {
      if (line.get("tier").asString().equals(tier)
          && line.get("scope").asString().equals(scope)
          && line.get("budget").asString().equals(budget)) {
        return line;
      }
    }
    return null;
  }

  /**
   * Two API instances on one database, creates raced through both: PostgreSQL's row lock orders the
   * charges, so the budget admits exactly its limit however the creates interleave.
   */
  @Test
  void twoApiInstancesRacingCreatesAdmitExactlyTheLimit() throws Exception {
    TestApi second =
        TestApi.start(
            clock,
            "--spring.datasource.url="
                + api.context.getEnvironment().getProperty("spring.datasource.url"),
            "--agp.api.auth.mode=jwt",
            "--agp.api.auth.jwt-secret=" + SECRET,
            "--agp.api.auth.role-tiers.analyst=*",
            "--agp.api.rate-limit.requests-per-second=0",
            "--agp.tiers.race.clickhouse.url=http://localhost:1",
            "--agp.tiers.race.budgets.user.executions=5",
            "--agp.tiers.race.budgets.tier.executions=7");
    try {
      String leo = newUser();
      String mia = newUser();
      List<Callable<Integer>> creates = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        ContractClient to = i % 2 == 0 ? client : second.client;
        String user = i % 3 == 0 ? mia : leo;
        creates.add(
            () -> create(to, user, "race", "SELECT '" + UUID.randomUUID() + "'", null).status());
      }
      List<Integer> statuses = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
        for (Future<Integer> status : pool.invokeAll(creates)) {
          statuses.add(status.get());
        }
      }

      assertThat(statuses).containsOnly(201, 429);
      assertThat(statuses.stream().filter(s -> s == 201)).hasSize(7);
      // leo sent 16 and mia 8: each got at most their own 5, the tier 7 together.
      assertThat(executionsOf(leo)).isLessThanOrEqualTo(5);
      assertThat(executionsOf(mia)).isLessThanOrEqualTo(5);
      assertThat(executionsOf(leo) + executionsOf(mia)).isEqualTo(7);
      assertThat(
              api.jdbc()
                  .sql("select runs from budget_days where tier = 'race' and owner = ''")
                  .query(Long.class)
                  .single())
          .isEqualTo(7);
    } finally {
      second.context.close();
    }
  }
}
