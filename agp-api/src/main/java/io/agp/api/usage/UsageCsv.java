package io.agp.api.usage;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Usage rows as CSV (RFC 4180): a header line of the JSON's field names, one line per row, CRLF
 * line ends; a field is quoted when it holds a comma, a quote or a line end, and an empty field is
 * a null. Seconds keep their milliseconds, never an exponent.
 */
final class UsageCsv {

  static final String HEADER =
      "day,hour,user,tier,executions,executions_succeeded,executions_failed,executions_canceled,"
          + "sync_runs,proxy_queries,read_rows,read_bytes,result_bytes,downloaded_bytes,"
          + "server_seconds,peak_memory_bytes,queue_seconds";

  private UsageCsv() {}

  static byte[] write(List<UsageRowView> rows) {
    StringBuilder out = new StringBuilder(HEADER.length() + 2 + rows.size() * 96);
    out.append(HEADER).append("\r\n");
    for (UsageRowView row : rows) {
      out.append(row.day() == null ? "" : row.day().toString()).append(',');
      out.append(row.hour() == null ? "" : row.hour().toString()).append(',');
      field(out, row.user());
      out.append(',');
      field(out, row.tier());
      out.append(',')
          .append(row.executions())
          .append(',')
          .append(row.executionsSucceeded())
          .append(',')
          .append(row.executionsFailed())
          .append(',')
          .append(row.executionsCanceled())
          .append(',')
          .append(row.syncRuns())
          .append(',')
          .append(row.proxyQueries())
          .append(',')
          .append(row.readRows())
          .append(',')
          .append(row.readBytes())
          .append(',')
          .append(row.resultBytes())
          .append(',')
          .append(row.downloadedBytes())
          .append(',')
          .append(seconds(row.serverSeconds()))
          .append(',')
          .append(row.peakMemoryBytes())
          .append(',')
          .append(seconds(row.queueSeconds()))
          .append("\r\n");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder out, String value) {
    if (value == null) {
      return;
    }
    boolean quoted =
        value.indexOf(',') >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\n') >= 0
            || value.indexOf('\r') >= 0;
    if (!quoted) {
      out.append(value);
      return;
    }
    out.append('"').append(value.replace("\"", "\"\"")).append('"');
  }

  private static String seconds(double seconds) {
    return BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
  }
}
