package io.agp.execution;

import io.agp.results.InlineResult;
import java.time.Instant;
import java.util.List;

/**
 * What a worker stored for a successful execution.
 *
 * @param key the object's key in the result store (no object is there for an inline result)
 * @param rows rows in the result, when the format lets us count them, else -1
 * @param bytes bytes stored (after compression)
 * @param compression null when the bytes are stored as ClickHouse sent them
 * @param inline the result itself, kept in the execution's row because it is small, else null
 */
public record ResultMetadata(
    String key,
    long rows,
    long bytes,
    List<Column> columns,
    String compression,
    long durationMillis,
    Instant expiresAt,
    InlineResult inline) {

  public ResultMetadata {
    columns = columns == null ? List.of() : List.copyOf(columns);
  }

  /** A result in the store. */
  public ResultMetadata(
      String key,
      long rows,
      long bytes,
      List<Column> columns,
      String compression,
      long durationMillis,
      Instant expiresAt) {
    this(key, rows, bytes, columns, compression, durationMillis, expiresAt, null);
  }

  public record Column(String name, String type) {}
}
