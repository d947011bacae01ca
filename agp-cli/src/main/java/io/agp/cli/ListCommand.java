package io.agp.cli;

import io.agp.client.model.Execution;
import io.agp.client.model.ExecutionPage;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Lists executions, newest first, as a table or as JSON.",
      "When there are more, the cursor of the next page goes to standard error."
    })
final class ListCommand implements Callable<Integer> {

  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @ParentCommand Agp agp;

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      split = ",",
      description =
          "PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, EXPIRED (repeat or comma-separate).")
  @Nullable List<String> statuses;

  @Option(names = "--tier", paramLabel = "TIER")
  @Nullable String tier;

  @Option(names = "--query-id", paramLabel = "ID")
  @Nullable String queryId;

  @Option(names = "--created-by", paramLabel = "USER")
  @Nullable String createdBy;

  @Option(names = "--name", paramLabel = "NAME", description = "Only executions of this name.")
  @Nullable String name;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "Only executions with this label (repeat: all must match).")
  @Nullable List<String> labels;

  @Option(
      names = "--since",
      paramLabel = "WHEN",
      converter = Options.InstantConverter.class,
      description = "Created at or after: 2025-01-01T00:00:00Z, or an age (2h, 1d).")
  @Nullable OffsetDateTime since;

  @Option(
      names = "--until",
      paramLabel = "WHEN",
      converter = Options.InstantConverter.class,
      description = "Created before: an instant or an age.")
  @Nullable OffsetDateTime until;

  @Option(names = "--limit", paramLabel = "N", description = "At most N (1-1000; default 50).")
  @Nullable Integer limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "The page after a previous one.")
  @Nullable String cursor;

  @Option(names = "--json", description = "The page as JSON, as the API tells it.")
  boolean json;

  @Override
  public Integer call() {
    Api api = agp.api();
    ExecutionPage page =
        api.call(
            () ->
                api.executions()
                    .listExecutions(
                        queryId,
                        statuses == null
                            ? null
                            : statuses.stream()
                                .map(String::strip)
                                .map(String::toUpperCase)
                                .toList(),
                        tier,
                        createdBy,
                        name,
                        since,
                        until,
                        labels,
                        limit,
                        cursor,
                        null));
    if (json) {
      agp.out.println(api.pretty(page));
    } else {
      table(page.getExecutions());
    }
    if (page.getCursor() != null) {
      agp.err.println("more: agp list --cursor " + page.getCursor() + " (with the same filters)");
    }
    return ExitCode.OK;
  }

  private void table(List<Execution> executions) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "STATUS", "TIER", "CREATED", "TOOK", "ROWS", "NAME", "SQL"});
    for (Execution e : executions) {
      rows.add(
          new String[] {
            String.valueOf(e.getId()),
            String.valueOf(e.getStatus()),
            e.getTier(),
            WHEN.format(e.getCreatedAt().atZoneSameInstant(ZoneId.systemDefault())),
            took(e),
            e.getResult() == null || e.getResult().getRows() < 0
                ? ""
                : Describe.count(e.getResult().getRows()),
            e.getName() == null ? "" : e.getName(),
            e.getSql().strip().replaceAll("\\s+", " ")
          });
    }
    int[] widths = new int[rows.getFirst().length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length - 1; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    // On a terminal the SQL is cut at its edge; a pipe gets it whole, for grep and the like.
    int columns = Terminal.columns(agp.env);
    int before = Arrays.stream(widths).sum() + 2 * (widths.length - 1);
    int sqlRoom = columns > 0 ? Math.max(20, columns - 1 - before) : Integer.MAX_VALUE;
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length - 1; i++) {
        line.append(String.format("%-" + widths[i] + "s  ", row[i]));
      }
      String sql = row[row.length - 1];
      line.append(sql.length() <= sqlRoom ? sql : sql.substring(0, sqlRoom - 3) + "...");
      agp.out.println(line.toString().stripTrailing());
    }
  }

  private static String took(Execution e) {
    OffsetDateTime end = e.getCompletedAt();
    return end == null ? "" : Describe.duration(Duration.between(e.getCreatedAt(), end).toMillis());
  }
}
