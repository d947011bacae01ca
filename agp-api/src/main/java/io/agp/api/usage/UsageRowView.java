package io.agp.api.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.time.LocalDate;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * One row of usage, as JSON and CSV show it: null where the grouping sums over it (the day and hour
 * in totals, the tier in a user's, the user in a tier's). Times in seconds.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({
  "day",
  "hour",
  "user",
  "tier",
  "executions",
  "executions_succeeded",
  "executions_failed",
  "executions_canceled",
  "sync_runs",
  "proxy_queries",
  "read_rows",
  "read_bytes",
  "result_bytes",
  "downloaded_bytes",
  "server_seconds",
  "peak_memory_bytes",
  "queue_seconds"
})
record UsageRowView(
    LocalDate day,
    Instant hour,
    String user,
    String tier,
    long executions,
    long executionsSucceeded,
    long executionsFailed,
    long executionsCanceled,
    long syncRuns,
    long proxyQueries,
    long readRows,
    long readBytes,
    long resultBytes,
    long downloadedBytes,
    double serverSeconds,
    long peakMemoryBytes,
    double queueSeconds) {

  static UsageRowView of(UsageQueries.Row row) {
    return new UsageRowView(
        row.day(),
        row.hour(),
        row.owner(),
        row.tier(),
        row.executions(),
        row.executionsSucceeded(),
        row.executionsFailed(),
        row.executionsCanceled(),
        row.syncRuns(),
        row.proxyQueries(),
        row.readRows(),
        row.readBytes(),
        row.resultBytes(),
        row.downloadedBytes(),
        row.serverMillis() / 1000.0,
        row.peakMemoryBytes(),
        row.queueMillis() / 1000.0);
  }
}
