package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agp.client.api.ExecutionsApi;
import io.agp.client.model.CreateExecutionRequest;
import io.agp.client.model.Execution;
import io.agp.client.model.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code agp}, every command and every exit code, run as a process against the real stack with
 * standard error a pipe (no terminal: a line per change of status, no bar).
 */
class AgpCommandsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ClientsStack stack = ClientsStack.shared();
  private final String token = ClientsStack.token("cli-user");
  private final AgpCli agp = AgpCli.of(stack.url()).with("AGP_TOKEN", token);
  private final String label = UUID.randomUUID().toString();
  private final ExecutionsApi executions = stack.executions(token);

  @TempDir Path folder;

  private long idIn(AgpCli.Run run) {
    String first = run.errLines().getFirst();
    assertThat(first).matches("#\\d+ .*");
    return Long.parseLong(first.substring(1, first.indexOf(' ')));
  }

  private static void assertNoStackTrace(AgpCli.Run run) {
    assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void runPrintsTheResultAndALinePerStatusThenExitsZero() {
    AgpCli.Run run =
        agp.run(
            "run",
            "SELECT number FROM numbers(3) -- " + label,
            "--format",
            "CSV",
            "--label",
            "test=" + label);

    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEqualTo("0\n1\n2\n");
    long id = idIn(run);
    List<String> statuses =
        run.errLines().stream().map(l -> l.replaceFirst("^#" + id + " (\\w+).*", "$1")).toList();
    assertThat(statuses).doesNotHaveDuplicates().last().isEqualTo("SUCCEEDED");
    assertThat(List.of("PENDING", "RUNNING", "SUCCEEDED")).containsSubsequence(statuses);
    assertThat(run.errLines().getLast())
        .matches("#" + id + " SUCCEEDED: 3 rows, 6 B, ran [0-9.]+ s");
    assertThat(run.err()).doesNotContain("\r").doesNotContain("[=");
  }

  @Test
  void runReadsTheSqlFromAFileOrStandardInputAndWritesAFile() throws IOException {
    Path sql = folder.resolve("query.sql");
    Files.writeString(sql, "SELECT 'from a file' -- " + label);
    Path out = folder.resolve("out.tsv");

    AgpCli.Run fromFile =
        agp.run("run", "-f", sql.toString(), "--format", "TSV", "-o", out.toString());
    AgpCli.Run fromStdin =
        agp.run(
            ("SELECT 'from standard input' -- " + label).getBytes(StandardCharsets.UTF_8),
            "run",
            "-",
            "--format",
            "TSV");

    assertThat(fromFile.exit()).isZero();
    assertThat(fromFile.out()).isEmpty();
    assertThat(out).hasContent("from a file");
    assertThat(fromFile.errLines().getLast())
        .isEqualTo("#" + idIn(fromFile) + " saved 12 B to " + out);
    assertThat(folder).isDirectoryNotContaining("glob:**.part");
    assertThat(fromStdin.exit()).isZero();
    assertThat(fromStdin.out()).isEqualTo("from standard input\n");
  }

  @Test
  void runTakesTheTierQueryIdLabelsAndAMaxAgeThatReusesAResult() throws Exception {
    String[] args = {
      "run",
      "SELECT 42 -- " + label,
      "--tier",
      "gzip",
      "--query-id",
      "answer-" + label,
      "--label",
      "test=" + label,
      "--label",
      "team=ads",
      "--max-age",
      "10m"
    };

    AgpCli.Run first = agp.run(args);
    AgpCli.Run second = agp.run(args);

    assertThat(first.exit()).isZero();
    Execution created = executions.getExecution(idIn(first), null, null);
    assertThat(created.getTier()).isEqualTo("gzip");
    assertThat(created.getQueryId()).isEqualTo("answer-" + label);
    assertThat(created.getLabels()).containsEntry("test", label).containsEntry("team", "ads");
    assertThat(created.getResult().getCompression()).isEqualTo("gzip");
    assertThat(second.exit()).isZero();
    assertThat(idIn(second)).isEqualTo(created.getId());
    assertThat(second.errLines()).singleElement().asString().contains("(a result of ");
    assertThat(second.out()).isEqualTo(first.out()).contains("42");
  }

  @Test
  void aFailedQueryExitsOneWithClickHousesMessage() {
    AgpCli.Run run = agp.run("run", "SELECT * FROM no_such_table_" + label.replace('-', '_'));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.errLines().getLast()).contains(" FAILED: ").contains("doesn't exist");
    assertThat(run.out()).isEmpty();
    assertNoStackTrace(run);
  }

  @Test
  void anExecutionReplacedByAnotherExitsThreeAndTheOtherZero() throws Exception {
    Path out = folder.resolve("first.out");
    Path err = folder.resolve("first.err");
    String queryId = "replaced-" + label;
    Process first = agp.start(out, err, "run", "--query-id", queryId, "SELECT sleep(3), 1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                executions
                    .listExecutions(
                        queryId,
                        List.of("RUNNING"),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        1,
                        null,
                        null)
                    .getExecutions(),
            list -> !list.isEmpty());

    AgpCli.Run second = agp.run("run", "--query-id", queryId, "--replace", "SELECT 2");

    assertThat(second.exit()).isZero();
    assertThat(second.out()).contains("2");
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).isEqualTo(3);
    assertThat(Files.readAllLines(err).getLast()).endsWith(" CANCELED");
  }

  /** A name given to agp run is shown by agp list, and agp list --name finds that one alone. */
  @Test
  void runNamesAnExecutionAndListFindsItByItsName() throws Exception {
    String name = "weekly users " + label;
    AgpCli.Run named = agp.run("run", "--name", name, "SELECT 'named " + label + "'");
    assertThat(named.exit()).isZero();
    AgpCli.Run other = agp.run("run", "SELECT 'unnamed " + label + "'");
    assertThat(other.exit()).isZero();

    AgpCli.Run table = agp.run("list", "--name", name);
    assertThat(table.exit()).isZero();
    assertThat(table.out().lines().toList())
        .hasSize(2)
        .last()
        .asString()
        .matches("\\d+ +SUCCEEDED +default +.* +" + name + " +SELECT 'named " + label + "'");
  }

  @Test
  void rowsRefusesAnotherUsersExecutionAndABadLimit() throws Exception {
    Execution done =
        executions.createExecution(
            new CreateExecutionRequest().sql("SELECT number FROM numbers(5) -- " + label),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            30,
            null);
    String id = String.valueOf(done.getId());

    AgpCli.Run own = agp.run("rows", id, "--offset", "3", "--json");
    assertThat(own.exit()).isZero();
    JsonNode page = JSON.readTree(own.out());
    assertThat(page.get("rows").toString()).isEqualTo("[[\"3\"],[\"4\"]]");
    assertThat(page.get("next_offset").isNull()).isTrue();

    AgpCli.Run other =
        AgpCli.of(stack.url()).with("AGP_TOKEN", ClientsStack.token("other-user")).run("rows", id);
    assertThat(other.exit()).isEqualTo(4);
    assertThat(other.out()).isEmpty();
    assertThat(other.err()).contains("404");
    assertNoStackTrace(other);

    AgpCli.Run tooMany = agp.run("rows", id, "--limit", "5000");
    assertThat(tooMany.exit()).isEqualTo(4);
    assertThat(tooMany.err()).contains("limit");
    assertNoStackTrace(tooMany);
  }

  @Test
  void waitGetListResultLinkAndCancel() throws Exception {
    Execution done =
        executions.createExecution(
            new CreateExecutionRequest()
                .sql("SELECT number FROM numbers(4) -- " + label)
                .putLabelsItem("test", label),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            30,
            null);
    assertThat(done.getStatus()).isEqualTo(Status.SUCCEEDED);
    String id = String.valueOf(done.getId());

    AgpCli.Run waited = agp.run("wait", id);
    assertThat(waited.exit()).isZero();
    assertThat(waited.errLines())
        .singleElement()
        .asString()
        .startsWith("#" + id + " SUCCEEDED: 4 rows");

    AgpCli.Run got = agp.run("get", id);
    assertThat(got.exit()).isZero();
    JsonNode json = JSON.readTree(got.out());
    assertThat(json.get("id").asLong()).isEqualTo(done.getId());
    assertThat(json.get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(json.get("labels").get("test").asString()).isEqualTo(label);

    AgpCli.Run table = agp.run("list", "--label", "test=" + label, "--status", "SUCCEEDED,FAILED");
    assertThat(table.exit()).isZero();
    assertThat(table.out().lines().toList())
        .hasSize(2)
        .first()
        .asString()
        .matches("ID +STATUS +TIER +CREATED +TOOK +ROWS +NAME +SQL");
    assertThat(table.out().lines().toList().get(1))
        .matches(
            id
                + " +SUCCEEDED +default +[0-9-]+ [0-9:]+ +[0-9.]+ s +4 +SELECT number FROM"
                + " numbers\\(4\\) -- "
                + label);
    AgpCli.Run listed = agp.run("list", "--label", "test=" + label, "--json", "--since", "1h");
    assertThat(JSON.readTree(listed.out()).get("executions").get(0).get("id").asLong())
        .isEqualTo(done.getId());

    AgpCli.Run result = agp.run("result", id);
    assertThat(result.exit()).isZero();
    assertThat(result.out()).contains("\"data\":").contains("\"rows\": 4");
    Path file = folder.resolve("result.json");
    AgpCli.Run saved = agp.run("result", id, "-o", file.toString());
    assertThat(saved.exit()).isZero();
    assertThat(file).hasContent(result.out());

    AgpCli.Run link = agp.run("link", id);
    assertThat(link.exit()).isZero();
    assertThat(link.err()).contains("link expires at ");
    HttpResponse<String> anonymous =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(link.out().strip())).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.body()).isEqualTo(result.out());

    AgpCli.Run late = agp.run("cancel", id);
    assertThat(late.exit()).isEqualTo(4);
    assertThat(late.err()).startsWith("agp: Conflict (409): ").contains("SUCCEEDED");
    assertNoStackTrace(late);
  }

  @Test
  void cancelEndsAnExecutionThatAWaitFollowsWithThree() throws Exception {
    Execution slow =
        executions.createExecution(
            new CreateExecutionRequest().sql("SELECT sleep(3), '" + label + "'"),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    String id = String.valueOf(slow.getId());
    Path err = folder.resolve("wait.err");
    Process waiting = agp.start(folder.resolve("wait.out"), err, "wait", id);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> executions.getExecution(slow.getId(), null, null).getStatus(),
            Status.RUNNING::equals);

    AgpCli.Run cancel = agp.run("cancel", id);

    assertThat(cancel.exit()).isZero();
    assertThat(cancel.err()).isEqualTo("#" + id + " CANCELED\n");
    assertThat(waiting.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(waiting.exitValue()).isEqualTo(3);
    assertThat(Files.readAllLines(err).getLast()).isEqualTo("#" + id + " CANCELED");
  }

  @Test
  void refusalsExitFourWithTheProblemsTitleAndDetail() {
    AgpCli.Run unknown = agp.run("get", "987654321");
    AgpCli.Run anonymous = agp.with("AGP_TOKEN", null).run("list");
    AgpCli.Run badStatus = agp.run("list", "--status", "DONE");
    AgpCli.Run forbiddenTier = agp.run("run", "SELECT 1", "--tier", "vip");

    assertThat(unknown.exit()).isEqualTo(4);
    assertThat(unknown.err()).startsWith("agp: Not Found (404): ").contains("987654321");
    assertThat(anonymous.exit()).isEqualTo(4);
    assertThat(anonymous.err()).startsWith("agp: Unauthorized (401)");
    assertThat(badStatus.exit()).isEqualTo(4);
    assertThat(badStatus.err()).startsWith("agp: Bad Request (400): ").contains("[status]");
    assertThat(forbiddenTier.exit()).isEqualTo(4);
    assertThat(forbiddenTier.err())
        .startsWith("agp: Forbidden (403): ")
        .contains("not 'vip' [tier]");
    for (AgpCli.Run run : List.of(unknown, anonymous, badStatus, forbiddenTier)) {
      assertThat(run.out()).isEmpty();
      assertThat(run.errLines()).hasSize(1);
      assertNoStackTrace(run);
    }
  }

  @Test
  void anUnreachableApiExitsFive() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }

    AgpCli.Run run = agp.run("--url", "http://127.0.0.1:" + closed, "list");

    assertThat(run.exit()).isEqualTo(5);
    assertThat(run.err())
        .isEqualTo("agp: cannot reach http://127.0.0.1:" + closed + ": connection refused\n");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(agp.run("run").exit()).isEqualTo(2);
    assertThat(agp.run("run", "SELECT 1", "-f", "x.sql").exit()).isEqualTo(2);
    AgpCli.Run format = agp.run("run", "SELECT 1", "--format", "Parquet");
    assertThat(format.exit()).isEqualTo(2);
    assertThat(format.err()).contains("'Parquet' is not a format: JSON, JSONEachRow, CSV");
    assertThat(agp.run("get", "seven").exit()).isEqualTo(2);
    assertThat(agp.run("frobnicate").exit()).isEqualTo(2);
    assertThat(agp.run().exit()).isEqualTo(2);
    assertThat(agp.run("--url", "localhost:8888", "list").exit()).isEqualTo(2);
  }

  @Test
  void settingsComeFromOptionsTheEnvironmentAndAProfile() throws IOException {
    Path config = folder.resolve("config");
    Files.createDirectories(config.resolve("agp"));
    Files.writeString(
        config.resolve("agp/config.properties"),
        """
        # a top-level URL that goes nowhere, and a profile that works
        url = http://127.0.0.1:9
        team.url = %s
        team.token = %s
        """
            .formatted(stack.url(), token));
    AgpCli bare =
        agp.with("AGP_URL", null)
            .with("AGP_TOKEN", null)
            .with("XDG_CONFIG_HOME", config.toString());

    assertThat(bare.run("list", "--limit", "1").exit()).isEqualTo(5);
    assertThat(bare.run("--profile", "team", "list", "--limit", "1").exit()).isZero();
    assertThat(bare.run("list", "--limit", "1", "--profile", "team").exit()).isZero();
    assertThat(bare.with("AGP_PROFILE", "team").run("list", "--limit", "1").exit()).isZero();
    assertThat(bare.run("--url", stack.url(), "--token", token, "list", "--limit", "1").exit())
        .isZero();
    assertThat(
            bare.with("AGP_URL", stack.url())
                .with("AGP_TOKEN", token)
                .run("list", "--limit", "1")
                .exit())
        .isZero();
    AgpCli.Run noSuchProfile = bare.run("--profile", "nope", "list");
    assertThat(noSuchProfile.exit()).isEqualTo(2);
    assertThat(noSuchProfile.err()).contains("no profile 'nope' in ");
  }

  @Test
  void everyCommandHasHelpAndShellCompletionIsGenerated() {
    for (String command :
        List.of("run", "wait", "get", "list", "cancel", "result", "link", "usage")) {
      AgpCli.Run help = agp.run(command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.out()).as(command).startsWith("Usage: agp " + command + " ");
    }
    AgpCli.Run help = agp.run("--help");
    assertThat(help.out()).contains("Exit codes:").contains("AGP_TOKEN");
    assertThat(agp.run("--version").out()).startsWith("agp ");
    AgpCli.Run completion = agp.run("generate-completion");
    assertThat(completion.exit()).isZero();
    assertThat(completion.out()).contains("complete -F").contains("--max-age");
  }
}
