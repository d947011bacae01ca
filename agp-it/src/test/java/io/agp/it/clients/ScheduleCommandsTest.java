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
 * {@code agp schedule ...} as a process against the real stack (standard output a pipe), and its
 * list in a real terminal (tmux), whose screen is kept under {@code target/terminal/}.
 */
class ScheduleCommandsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ClientsStack stack = ClientsStack.shared();
  private final String token = ClientsStack.token("schedule-user-" + UUID.randomUUID());
  private final AgpCli agp = AgpCli.of(stack.url()).with("AGP_TOKEN", token);
  private final String label = UUID.randomUUID().toString();

  private static long idIn(String output) {
    String line = output.strip();
    assertThat(line).matches("#\\d+ .*");
    return Long.parseLong(line.substring(1, line.indexOf(' ')));
  }

  @Test
  void createListShowPauseResumeAndDelete() {
    AgpCli.Run created =
        agp.run(
            "schedule",
            "create",
            "SELECT 'scheduled' -- " + label,
            "--every",
            "10m",
            "--name",
            "chart " + label,
            "--label",
            "team=ads",
            "--format",
            "CSV");

    assertThat(created.exit()).as(created.err()).isZero();
    String line = created.out().strip();
    long id = idIn(line);
    assertThat(line)
        .matches("#" + id + " every 10m, next [0-9-]+ [0-9:]+ \\(chart " + label + "\\)");

    AgpCli.Run list = agp.run("schedule", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.out().lines().toList().getFirst())
        .startsWith("ID")
        .contains("CADENCE", "NEXT", "LAST RUN", "NAME", "SQL");
    assertThat(list.out().lines())
        .anyMatch(
            l -> l.matches(id + " +every 10m +[0-9-]+ [0-9:]+ +chart .* SELECT 'scheduled' -- .*"));

    // The bookkeeper runs it at once, as its owner; show tells the last run.
    JsonNode shown =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> JSON.readTree(agp.run("schedule", "show", Long.toString(id)).out()),
                s -> s.has("last_run") && s.get("last_run").has("status"));
    assertThat(shown.get("id").asLong()).isEqualTo(id);
    assertThat(shown.get("labels").get("team").asString()).isEqualTo("ads");
    assertThat(shown.get("last_run").get("outcome").asString()).isEqualTo("created");

    AgpCli.Run paused = agp.run("schedule", "pause", Long.toString(id));
    assertThat(paused.out()).startsWith("#" + id + " every 10m, paused, last #");
    AgpCli.Run resumed = agp.run("schedule", "resume", Long.toString(id));
    assertThat(resumed.out()).startsWith("#" + id + " every 10m, next ");

    AgpCli.Run deleted = agp.run("schedule", "delete", Long.toString(id));
    assertThat(deleted.exit()).isZero();
    assertThat(deleted.err().strip()).isEqualTo("schedule " + id + " deleted");
    AgpCli.Run gone = agp.run("schedule", "show", Long.toString(id));
    assertThat(gone.exit()).isEqualTo(4);
    assertThat(gone.err()).contains("schedule " + id + " does not exist");
  }

  @Test
  void refusalsExitWithTheProblemAndAnotherUsersScheduleIsNotFound() {
    AgpCli.Run badCron =
        agp.run("schedule", "create", "SELECT 1", "--cron", "every monday at nine");
    assertThat(badCron.exit()).isEqualTo(4);
    assertThat(badCron.err()).contains("cron").doesNotContain("Exception");

    AgpCli.Run tooOften = agp.run("schedule", "create", "SELECT 1", "--every", "5s");
    assertThat(tooOften.exit()).isEqualTo(4);
    assertThat(tooOften.err()).contains("every_seconds");

    AgpCli.Run neither = agp.run("schedule", "create", "SELECT 1");
    assertThat(neither.exit()).isEqualTo(2);
    assertThat(neither.err()).contains("give --every or --cron");

    AgpCli.Run refused =
        agp.run(
            "schedule",
            "create",
            "SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'x UInt8')",
            "--every",
            "1h");
    assertThat(refused.exit()).isEqualTo(4);
    assertThat(refused.err()).contains("url");

    long mine =
        idIn(
            agp.run("schedule", "create", "SELECT 'mine' -- " + label, "--cron", "0 0 6 * * *")
                .out());
    AgpCli stranger = AgpCli.of(stack.url()).with("AGP_TOKEN", ClientsStack.token("stranger"));
    for (String command : List.of("show", "pause", "resume", "delete")) {
      AgpCli.Run other = stranger.run("schedule", command, Long.toString(mine));
      assertThat(other.exit()).as(command).isEqualTo(4);
      assertThat(other.err()).as(command).contains("does not exist");
    }
    assertThat(agp.run("schedule", "show", Long.toString(mine)).exit()).isZero();
    agp.run("schedule", "delete", Long.toString(mine));
  }

  @Test
  void theListFitsATerminal() throws IOException {
    String sql =
        "SELECT day, sum(amount) AS revenue FROM sales WHERE region = 'emea' GROUP BY day ORDER BY"
            + " day -- "
            + label;
    long id = idIn(agp.run("schedule", "create", sql, "--cron", "0 */15 * * * *").out());
    Map<String, String> env = new HashMap<>(agp.env());
    env.put("PATH", AgpCli.launcher().getParent() + ":" + env.get("PATH"));
    try (Tmux tmux = Tmux.start(env, 100, 10)) {
      tmux.type("clear && agp schedule list; echo \"exit=$?\"");
      List<String> screen =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(tmux::screen, now -> now.stream().anyMatch(l -> l.startsWith("exit=")));
      keep(screen);

      String row = screen.stream().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
      assertThat(row).contains("cron '0 */15 * * * *'").endsWith("...");
      assertThat(row.length()).isLessThan(100);
      assertThat(screen).contains("exit=0");
    } finally {
      agp.run("schedule", "delete", Long.toString(id));
    }
  }

  /** The terminal's screen as build output, to look at. */
  private static void keep(List<String> screen) throws IOException {
    Path folder = Path.of("target", "terminal");
    Files.createDirectories(folder);
    Files.write(folder.resolve("agp-schedule-list.txt"), screen);
  }
}
