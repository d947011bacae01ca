package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.client.api.ExecutionsApi;
import io.agp.client.model.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agp run} in a real terminal (tmux), typed and read back as a person would: the progress
 * bar moves and ends as one clean line, a waiting execution shows its place in the queue; Ctrl-C
 * cancels the execution, and its ClickHouse query is gone, unless {@code --detach}.
 */
class TerminalTest {

  private static final Pattern BAR = Pattern.compile("#(\\d+) RUNNING .* (\\d+)% .*");
  private static final String COMMAND = "agp run -f slow.sql %s; echo \"exit=$?\"";

  private final ClientsStack stack = ClientsStack.shared();
  private final String token = ClientsStack.token("terminal-user");
  private final ExecutionsApi executions = stack.executions(token);

  @TempDir Path folder;

  /** A terminal whose shell finds agp on its PATH, configured for the stack, in {@code folder}. */
  private Tmux terminal(int rows, double secondsPerRow) throws IOException {
    Files.writeString(
        folder.resolve("slow.sql"),
        ClientsStack.slowQuery(rows, secondsPerRow) + " -- " + UUID.randomUUID());
    Map<String, String> env = new HashMap<>(AgpCli.of(stack.url()).with("AGP_TOKEN", token).env());
    env.put("PATH", AgpCli.launcher().getParent() + ":" + env.get("PATH"));
    Tmux tmux = Tmux.start(env, 100, 20);
    tmux.type("cd " + folder + " && clear");
    await().atMost(Duration.ofSeconds(10)).until(() -> tmux.screen().equals(List.of("$")));
    return tmux;
  }

  @Test
  void theProgressBarMovesAndEndsOnOneCleanLine() throws IOException {
    try (Tmux tmux = terminal(60, 0.1)) {
      String command = COMMAND.formatted("-o out.json");
      tmux.type(command);

      List<String> bars = new ArrayList<>();
      List<String> screen =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () -> {
                    List<String> now = tmux.screen();
                    now.stream().filter(l -> BAR.matcher(l).matches()).forEach(bars::add);
                    return now;
                  },
                  now -> now.stream().anyMatch(l -> l.startsWith("exit=")));

      List<Integer> percents = bars.stream().map(l -> percent(l)).distinct().toList();
      assertThat(percents).as("percents seen: %s", bars).hasSizeGreaterThanOrEqualTo(3).isSorted();
      assertThat(bars).allSatisfy(bar -> assertThat(bar.length()).isLessThan(100));
      assertThat(screen).hasSize(4);
      assertThat(screen.get(0)).isEqualTo("$ " + command);
      assertThat(screen.get(1))
          .matches("#\\d+ SUCCEEDED: 1 row, \\d+ B, ran [0-9.]+ s; saved \\d+ B to out.json");
      assertThat(screen.subList(2, 4)).containsExactly("exit=0", "$");
      assertThat(folder.resolve("out.json")).content().contains("\"count()\"");
    }
  }

  /**
   * {@code agp rows} pages a gzip result of a million rows from its middle: the names, the rows
   * (64-bit integers as ClickHouse writes them, escapes as in TSV), and the command for the next
   * page; the generated client's own call answers the same rows.
   */
  @Test
  void rowsPrintsAPageFromTheMiddleAndTheCommandForTheNext() throws Exception {
    io.agp.client.model.Execution done =
        executions.createExecution(
            new io.agp.client.model.CreateExecutionRequest()
                .sql(
                    "SELECT number AS n, concat('a\tb', toString(number)) AS s"
                        + " FROM numbers(1000000) -- "
                        + UUID.randomUUID())
                .tier("gzip")
                .format(io.agp.client.model.Format.CSV_WITH_NAMES),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            60,
            null);
    assertThat(done.getStatus()).isEqualTo(Status.SUCCEEDED);
    long id = done.getId();
    try (Tmux tmux = terminal(1, 0)) {
      tmux.type("agp rows " + id + " --offset 654321 --limit 3; echo \"exit=$?\"");
      // The terminal shows tabs as spaces.
      List<String> screen =
          awaitExit(tmux).stream().map(line -> line.replaceAll(" +", " ")).toList();
      // Up to the exit code: the prompt after it may or may not be drawn yet.
      assertThat(screen.subList(1, screen.indexOf("exit=0") + 1))
          .containsExactly(
              "n s",
              "654321 a\\tb654321",
              "654322 a\\tb654322",
              "654323 a\\tb654323",
              "#"
                  + id
                  + " rows 654321-654323 of 1000000; next: agp rows "
                  + id
                  + " --offset 654324 --limit 3",
              "exit=0");
      Path shots = Files.createDirectories(Path.of("target", "screenshots"));
      Files.write(shots.resolve("agp-rows.txt"), tmux.screen());
    }
    io.agp.client.model.RowPage last = executions.getExecutionRows(id, 999_999L, 10);
    assertThat(last.getRows()).hasSize(1);
    assertThat(last.getRows().getFirst()).containsExactly("999999", "a\tb999999");
    assertThat(last.getNextOffset()).isNull();
    assertThat(last.getTotalRows()).isEqualTo(1_000_000L);
  }

  @Test
  void ctrlCCancelsTheExecutionAndItsClickHouseQueryIsGone() throws Exception {
    try (Tmux tmux = terminal(200, 0.1)) {
      tmux.type(COMMAND.formatted(""));
      long id = runningId(tmux);
      assertThat(ClientsStack.runningQueries(id)).isEqualTo(1);

      tmux.ctrlC();

      List<String> screen = awaitExit(tmux);
      assertThat(screen.subList(1, screen.size()))
          .containsExactly("#" + id + " CANCELED (Ctrl-C)", "exit=3", "$");
      assertThat(executions.getExecution(id, null, null).getStatus()).isEqualTo(Status.CANCELED);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ClientsStack.runningQueries(id), running -> running == 0);
    }
  }

  @Test
  void ctrlCWithDetachLeavesTheExecutionRunning() throws Exception {
    try (Tmux tmux = terminal(200, 0.1)) {
      tmux.type(COMMAND.formatted("--detach"));
      long id = runningId(tmux);

      tmux.ctrlC();

      try {
        List<String> screen = awaitExit(tmux);
        assertThat(screen.subList(1, screen.size()))
            .containsExactly(
                "#" + id + " left RUNNING; agp wait " + id + " follows it", "exit=130", "$");
        assertThat(executions.getExecution(id, null, null).getStatus()).isEqualTo(Status.RUNNING);
        assertThat(ClientsStack.runningQueries(id)).isEqualTo(1);
      } finally {
        executions.cancelExecution(id);
      }
    }
  }

  @Test
  void aPendingExecutionShowsItsPlaceInTheQueueUntilCtrlCCancelsIt() throws Exception {
    try (Tmux tmux = terminal(1, 0.1)) {
      tmux.type(COMMAND.formatted("--tier idle"));
      String pending =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () ->
                      tmux.screen().stream()
                          .filter(l -> l.matches("#\\d+ PENDING  queue position 1  \\d+:\\d\\d"))
                          .findFirst()
                          .orElse(null),
                  line -> line != null);
      long id = Long.parseLong(pending.substring(1, pending.indexOf(' ')));

      tmux.ctrlC();

      List<String> screen = awaitExit(tmux);
      assertThat(screen.subList(1, screen.size()))
          .containsExactly("#" + id + " CANCELED (Ctrl-C)", "exit=3", "$");
      assertThat(executions.getExecution(id, null, null).getStatus()).isEqualTo(Status.CANCELED);
    }
  }

  /** Once the bar shows progress, the execution's query runs in ClickHouse. */
  private static long runningId(Tmux tmux) {
    String bar =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    tmux.screen().stream()
                        .filter(l -> BAR.matcher(l).matches() && percent(l) > 0)
                        .findFirst()
                        .orElse(null),
                line -> line != null);
    Matcher m = BAR.matcher(bar);
    assertThat(m.matches()).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static List<String> awaitExit(Tmux tmux) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(tmux::screen, now -> now.stream().anyMatch(l -> l.startsWith("exit=")));
  }

  private static int percent(String bar) {
    Matcher m = BAR.matcher(bar);
    return m.matches() ? Integer.parseInt(m.group(2)) : -1;
  }
}
