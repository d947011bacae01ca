package io.agp.execution;

import io.agp.results.ResultCompression;
import java.util.List;

/** What a worker hands over when it completes an execution; the database sets the expiry. */
public record StoredResult(
    String key,
    long rows,
    long bytes,
    List<ResultMetadata.Column> columns,
    String compression,
    long durationMillis) {

  /** Where every result lives in the result store; the bookkeeper sweeps orphans under it. */
  public static final String KEY_PREFIX = "results/";

  public StoredResult {
    columns = columns == null ? List.of() : List.copyOf(columns);
  }

  /** The key of one attempt's result, e.g. {@code results/42-1.csv.gz}. */
  public static String keyFor(
      AttemptId attemptId, ResultFormat format, ResultCompression compression) {
    return KEY_PREFIX
        + attemptId.executionId()
        + "-"
        + attemptId.attempt()
        + "."
        + format.extension()
        + compression.suffix();
  }
}
