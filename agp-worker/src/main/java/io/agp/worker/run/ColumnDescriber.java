package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The columns of a result with their types. JSON and TSVWithNamesAndTypes carry them; for the other
 * formats ClickHouse is asked to describe the query, and when that fails the names the result
 * carries (if any) are kept: a good result is not failed for want of labels.
 *
 * <p>The description is asked for as soon as the query is sent, beside it, not after its answer: a
 * short query's result would otherwise wait for one more round trip to ClickHouse (2 to 9 ms for
 * ClickBench's queries here, against 4 ms and more for the query itself).
 */
final class ColumnDescriber {

  private static final Logger log = LoggerFactory.getLogger(ColumnDescriber.class);

  private final CompletableFuture<List<Column>> described;

  private ColumnDescriber(CompletableFuture<List<Column>> described) {
    this.described = described;
  }

  /** Starts describing the query's columns, if its format does not carry them. */
  static ColumnDescriber start(QuerySender.Sent sent, String sql, ResultFormat format) {
    if (format == ResultFormat.JSON || format == ResultFormat.TSVWithNamesAndTypes) {
      return new ColumnDescriber(CompletableFuture.completedFuture(List.of()));
    }
    CompletableFuture<List<Column>> described = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("agp-describe")
        .start(
            () -> {
              try {
                described.complete(sent.node().system().describe(sql, sent.settings()));
              } catch (RuntimeException e) {
                described.completeExceptionally(e);
              }
            });
    return new ColumnDescriber(described);
  }

  /** The columns, once the answer is read: the description, else those the result carries. */
  List<Column> columns(ResultInspector inspector) {
    List<Column> carried = inspector.columns();
    try {
      List<Column> columns = described.join();
      return columns.isEmpty() ? carried : columns;
    } catch (CompletionException e) {
      log.warn(
          "could not describe the result's columns; keeping {}: {}",
          carried,
          e.getCause().toString());
      return carried;
    }
  }
}
