package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code agp usage} as a process against the real stack (API, worker, and the bookkeeper that folds
 * the usage): a user's own usage as a table, CSV and JSON, another user's refused; and the table in
 * a real terminal (tmux), whose screen is kept under {@code target/terminal/}.
 */
class UsageCommandsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ClientsStack stack = ClientsStack.shared();
  private final String user = "usage-user-" + UUID.randomUUID();
  private final AgpCli agp = AgpCli.of(stack.url()).with("AGP_TOKEN", ClientsStack.token(user));

  /** Runs two queries as the user and waits until the bookkeeper has folded both. */
  private JsonNode ranTwoQueries() {
    for (int i = 0; i < 2; i++) {
      AgpCli.Run run = agp.run("run", "SELECT number FROM numbers(100) -- " + UUID.randomUUID());
      assertThat(run.exit()).as(run.err()).isZero();
    }
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              AgpCli.Run usage = agp.run("usage", "--group-by", "user", "--json");
              assertThat(usage.exit()).as(usage.err()).isZero();
              return JSON.readTree(usage.out());
            },
            usage ->
                usage.get("rows").size() == 1
                    && usage.get("rows").get(0).get("executions").asLong() == 2);
  }

  @Test
  void showsTheCallersOwnUsageAsATableCsvAndJson() {
    JsonNode totals = ranTwoQueries().get("rows").get(0);
    assertThat(totals.get("user").asString()).isEqualTo(user);
    assertThat(totals.get("executions_succeeded").asLong()).isEqualTo(2);

    AgpCli.Run table = agp.run("usage");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.getFirst())
        .startsWith("DAY")
        .contains("USER", "TIER", "EXECUTIONS", "OK/FAILED/CANCELED", "READ", "SERVER", "QUEUED");
    assertThat(lines).anyMatch(l -> l.contains(user) && l.contains(" 2/0/0 "));

    AgpCli.Run csv = agp.run("usage", "--group-by", "user", "--csv");
    assertThat(csv.exit()).isZero();
    List<String> csvLines = csv.out().lines().toList();
    assertThat(csvLines.getFirst()).startsWith("day,hour,user,tier,executions,");
    assertThat(csvLines).hasSize(2);
    assertThat(csvLines.get(1)).startsWith(",," + user + ",,2,2,0,0,");

    AgpCli.Run byTier = agp.run("usage", "--group-by", "tier", "--top", "5");
    assertThat(byTier.exit()).isZero();
    assertThat(byTier.out().lines().toList().getFirst()).startsWith("TIER").doesNotContain("USER");
  }

  @Test
  void anotherUsersUsageAndBadOptionsAreRefused() {
    AgpCli.Run other = agp.run("usage", "--user", "someone-else");
    assertThat(other.exit()).isEqualTo(4);
    assertThat(other.err()).contains("403").contains("[user]");
    assertThat(other.err()).doesNotContain("\tat ");
    AgpCli.Run csv = agp.run("usage", "--user", "someone-else", "--csv");
    assertThat(csv.exit()).isEqualTo(4);
    assertThat(csv.err()).contains("403");

    AgpCli.Run badTop = agp.run("usage", "--top", "0");
    assertThat(badTop.exit()).isEqualTo(4);
    assertThat(badTop.err()).contains("[top]");
    AgpCli.Run badDay = agp.run("usage", "--from", "yesterday");
    assertThat(badDay.exit()).isEqualTo(2);
  }

  @Test
  void theTableFitsAWideTerminal() throws IOException {
    ranTwoQueries();
    Map<String, String> env = new HashMap<>(agp.env());
    env.put("PATH", AgpCli.launcher().getParent() + ":" + env.get("PATH"));
    try (Tmux tmux = Tmux.start(env, 200, 10)) {
      tmux.type("clear && agp usage; echo \"exit=$?\"");
      List<String> screen =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(tmux::screen, now -> now.stream().anyMatch(l -> l.startsWith("exit=")));
      keep(screen);
      assertThat(screen).contains("exit=0");
      assertThat(screen).anyMatch(l -> l.startsWith("DAY ") && l.endsWith("QUEUED"));
      String row = screen.stream().filter(l -> l.contains(user)).findFirst().orElseThrow();
      assertThat(row).contains(" 2/0/0 ");
      assertThat(row.length()).isLessThan(200);
    }
  }

  /** The terminal's screen as build output, to look at. */
  private static void keep(List<String> screen) throws IOException {
    Path folder = Path.of("target", "terminal");
    Files.createDirectories(folder);
    Files.write(folder.resolve("agp-usage.txt"), screen);
  }
}
