package io.agp.execution;

import java.util.List;

/** What a worker hands over when it completes an execution; the database sets the expiry. */
public record StoredResult(
    String key,
    long rows,
    long bytes,
    List<ResultMetadata.Column> columns,
    String compression,
    long durationMillis) {

  public StoredResult {
    columns = columns == null ? List.of() : List.copyOf(columns);
  }
}
