package io.agp.cli;

import io.agp.client.model.RowPage;
import io.agp.client.model.RowPageColumnsInner;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "rows",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a page of the result's rows: a header of the column names, then a row a line,",
      "values separated by tabs (tabs, line breaks and backslashes in them escaped as in TSV,",
      "NULL as \\N). Where the page stops and how to get the next one goes to standard error.",
      "The page is read from the nearest point of the result's row index, not from its start."
    })
final class RowsCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Option(
      names = "--offset",
      paramLabel = "N",
      description = "The first row of the page, from 0 (default 0).")
  @Nullable Long offset;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "How many rows, 1 to 1000 (default 100).")
  @Nullable Integer limit;

  @Option(names = "--json", description = "Print the page as the API answers it, as JSON.")
  boolean json;

  @Override
  public Integer call() {
    Api api = agp.api();
    RowPage page = api.call(() -> api.executions().getExecutionRows(id, offset, limit));
    if (json) {
      agp.out.println(api.pretty(page));
      agp.out.flush();
      return ExitCode.OK;
    }
    agp.out.println(
        page.getColumns().stream()
            .map(RowPageColumnsInner::getName)
            .map(RowsCommand::escape)
            .collect(Collectors.joining("\t")));
    for (List<Object> row : page.getRows()) {
      agp.out.println(
          row.stream().map(value -> text(api, value)).collect(Collectors.joining("\t")));
    }
    agp.out.flush();
    agp.err.println(footer(page));
    return ExitCode.OK;
  }

  private String footer(RowPage page) {
    long first = page.getOffset();
    int count = page.getRows().size();
    String shown =
        count == 0 ? "no rows from " + first : "rows " + first + "-" + (first + count - 1);
    String of = page.getTotalRows() >= 0 ? " of " + page.getTotalRows() : "";
    String cut = Boolean.TRUE.equals(page.getCut()) ? " (cut to the size bounds)" : "";
    String next =
        page.getNextOffset() == null
            ? "; the end"
            : "; next: agp rows "
                + id
                + " --offset "
                + page.getNextOffset()
                + (limit == null ? "" : " --limit " + limit);
    return "#" + id + " " + shown + of + cut + next;
  }

  private static String text(Api api, @Nullable Object value) {
    if (value == null) {
      return "\\N";
    }
    if (value instanceof String string) {
      return escape(string);
    }
    return escape(api.json().writeValueAsString(value));
  }

  private static String escape(String text) {
    return text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }
}
