package io.agp.cli;

import io.agp.client.model.Usage;
import io.agp.client.model.UsageRow;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "usage",
    mixinStandardHelpOptions = true,
    description = {
      "Shows usage: executions, interactive queries, bytes read and sent, server time, per UTC day",
      "(or hour), tier and user, or totals per user or tier. Yours; an admin's, anyone's.",
      "As a table, or as CSV or JSON as the API tells it."
    })
final class UsageCommand implements Callable<Integer> {

  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:00").withZone(ZoneOffset.UTC);

  @ParentCommand Agp agp;

  @Option(
      names = "--from",
      paramLabel = "DAY",
      description = "The first UTC day, e.g. 2026-12-01 (default: six days before --to).")
  @Nullable LocalDate from;

  @Option(
      names = "--to",
      paramLabel = "DAY",
      description = "The last UTC day, included (default: today). At most 400 days in all.")
  @Nullable LocalDate to;

  @Option(names = "--tier", paramLabel = "TIER", description = "Only this tier.")
  @Nullable String tier;

  @Option(
      names = "--user",
      paramLabel = "USER",
      description = "Only this user (admins; anyone else sees only their own usage).")
  @Nullable String user;

  @Option(
      names = "--hourly",
      description = "Per hour, from the hourly rollup (recent hours only), not per day.")
  boolean hourly;

  @Option(
      names = "--group-by",
      paramLabel = "WHAT",
      description = "day (a row per day, tier and user; the default), user or tier (totals).")
  @Nullable String groupBy;

  @Option(
      names = "--top",
      paramLabel = "N",
      description = "Only the first N rows by --order-by, highest first (1-1000).")
  @Nullable Integer top;

  @Option(
      names = "--order-by",
      paramLabel = "FIGURE",
      description =
          "read_bytes (default with --top), server_seconds, executions, read_rows, result_bytes,"
              + " downloaded_bytes, peak_memory_bytes or queue_seconds.")
  @Nullable String orderBy;

  @Option(names = "--csv", description = "CSV as the API writes it (a header line, RFC 4180).")
  boolean csv;

  @Option(names = "--json", description = "The answer as JSON, as the API tells it.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    Api api = agp.api();
    String granularity = hourly ? "hour" : null;
    String grouping = groupBy == null ? null : groupBy.strip().toLowerCase(Locale.ROOT);
    String order = orderBy == null ? null : orderBy.strip().toLowerCase(Locale.ROOT);
    if (csv) {
      agp.out.print(csv(api, granularity, grouping, order));
      agp.out.flush();
      return ExitCode.OK;
    }
    Usage usage =
        api.call(
            () ->
                api.usage()
                    .getUsage(from, to, tier, user, granularity, grouping, top, order, null));
    if (json) {
      agp.out.println(api.pretty(usage));
      return ExitCode.OK;
    }
    table(usage);
    if (Boolean.TRUE.equals(usage.getTruncated())) {
      agp.err.println("more rows than shown: narrow --from/--to, or ask for --top N");
    }
    return ExitCode.OK;
  }

  /** The CSV as the API writes it, asked for with a plain request. */
  private String csv(Api api, String granularity, String grouping, String order)
      throws IOException {
    Map<String, Object> query = new LinkedHashMap<>();
    query.put("from", from);
    query.put("to", to);
    query.put("tier", tier);
    query.put("user", user);
    query.put("granularity", granularity);
    query.put("group_by", grouping);
    query.put("top", top);
    query.put("order_by", order);
    query.put("format", "csv");
    StringBuilder path = new StringBuilder("/v1/usage");
    char separator = '?';
    for (Map.Entry<String, Object> entry : query.entrySet()) {
      if (entry.getValue() != null) {
        path.append(separator)
            .append(entry.getKey())
            .append('=')
            .append(URLEncoder.encode(entry.getValue().toString(), StandardCharsets.UTF_8));
        separator = '&';
      }
    }
    HttpRequest request =
        api.request(path.toString()).timeout(Api.READ_TIMEOUT).header("Accept", "text/csv").build();
    HttpResponse<String> response;
    try {
      response = api.http().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw api.unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.INTERRUPTED, "interrupted");
    }
    if (response.statusCode() != 200) {
      throw api.problem(response.statusCode(), response.headers(), response.body());
    }
    return response.body();
  }

  private void table(Usage usage) {
    String grouping = usage.getGroupBy().getValue();
    List<String> head = new ArrayList<>();
    if (grouping.equals("day")) {
      head.add("hour".equals(usage.getGranularity().getValue()) ? "HOUR (UTC)" : "DAY");
    }
    if (!grouping.equals("tier")) {
      head.add("USER");
    }
    if (!grouping.equals("user")) {
      head.add("TIER");
    }
    head.addAll(
        List.of(
            "EXECUTIONS",
            "OK/FAILED/CANCELED",
            "SYNC",
            "PROXY",
            "ROWS READ",
            "READ",
            "RESULTS",
            "DOWNLOADED",
            "SERVER",
            "PEAK MEM",
            "QUEUED"));
    List<String[]> rows = new ArrayList<>();
    rows.add(head.toArray(String[]::new));
    for (UsageRow row : usage.getRows()) {
      List<String> cells = new ArrayList<>();
      if (grouping.equals("day")) {
        cells.add(
            row.getHour() != null
                ? HOUR.format(row.getHour().toInstant())
                : String.valueOf(row.getDay()));
      }
      if (!grouping.equals("tier")) {
        cells.add(String.valueOf(row.getUser()));
      }
      if (!grouping.equals("user")) {
        cells.add(String.valueOf(row.getTier()));
      }
      cells.add(Describe.count(row.getExecutions()));
      cells.add(
          row.getExecutionsSucceeded()
              + "/"
              + row.getExecutionsFailed()
              + "/"
              + row.getExecutionsCanceled());
      cells.add(Describe.count(row.getSyncRuns()));
      cells.add(Describe.count(row.getProxyQueries()));
      cells.add(Describe.compact(row.getReadRows()));
      cells.add(Describe.bytes(row.getReadBytes()));
      cells.add(Describe.bytes(row.getResultBytes()));
      cells.add(Describe.bytes(row.getDownloadedBytes()));
      cells.add(Describe.duration(Math.round(row.getServerSeconds() * 1000)));
      cells.add(Describe.bytes(row.getPeakMemoryBytes()));
      cells.add(Describe.duration(Math.round(row.getQueueSeconds() * 1000)));
      rows.add(cells.toArray(String[]::new));
    }
    int[] widths = new int[head.size()];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    // Names to the left, figures to the right, as a column of numbers reads.
    int names = head.size() - 11;
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        String format = i < names ? "%-" + widths[i] + "s  " : "%" + widths[i] + "s  ";
        line.append(String.format(format, row[i]));
      }
      agp.out.println(line.toString().stripTrailing());
    }
    if (usage.getRows().isEmpty()) {
      agp.err.println(
          "no usage from " + usage.getFrom() + " to " + usage.getTo() + " (UTC days, included)");
    }
  }
}
