package io.agp.execution;

import java.time.Instant;
import java.util.List;

/**
 * What a worker stored for a successful execution.
 *
 * @param key the object's key in the result store
 * @param rows rows in the result, when the format lets us count them, else -1
 * @param bytes bytes stored (after compression)
 * @param compression null when the bytes are stored as ClickHouse sent them
 */
public record ResultMetadata(
    String key,
    long rows,
    long bytes,
    List<Column> columns,
    String compression,
    long durationMillis,
    Instant expiresAt) {

  public ResultMetadata {
    columns = columns == null ? List.of() : List.copyOf(columns);
  }

  public record Column(String name, String type) {}
}
