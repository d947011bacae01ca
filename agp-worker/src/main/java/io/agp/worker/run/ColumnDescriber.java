package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The columns of a result with their types. JSON and TSVWithNamesAndTypes carry them, and TSV and
 * TSVWithNames are asked of ClickHouse with a header that does ({@link AnswerHeader}); for the
 * other formats ClickHouse is asked to describe the query, and when that fails the names the result
 * carries (if any) are kept: a good result is not failed for want of labels.
 *
 * <p>The description is asked for as soon as the query is sent, beside it, not after its answer: a
 * short query's result would otherwise wait for one more round trip to ClickHouse (2 to 9 ms for
 * ClickBench's queries here, against 4 ms and more for the query itself). Only an answer that was
 * to bring its header and came without one (or with one too long to keep) waits for that round
 * trip, after it.
 */
final class ColumnDescriber {

  private static final Logger log = LoggerFactory.getLogger(ColumnDescriber.class);

  private final QuerySender.Sent sent;
  private final String sql;
  private final AnswerHeader header;
  private final CompletableFuture<List<Column>> described;

  private ColumnDescriber(
      QuerySender.Sent sent,
      String sql,
      AnswerHeader header,
      CompletableFuture<List<Column>> described) {
    this.sent = sent;
    this.sql = sql;
    this.header = header;
    this.described = described;
  }

  /** Starts describing the query's columns, if neither its format nor its header carries them. */
  static ColumnDescriber start(
      QuerySender.Sent sent, String sql, ResultFormat format, AnswerHeader header) {
    boolean carried =
        format == ResultFormat.JSON
            || format == ResultFormat.TSVWithNamesAndTypes
            || header.expected();
    return new ColumnDescriber(
        sent,
        sql,
        header,
        carried ? CompletableFuture.completedFuture(List.of()) : describe(sent, sql));
  }

  private static CompletableFuture<List<Column>> describe(QuerySender.Sent sent, String sql) {
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
    return described;
  }

  /**
   * The columns, once the answer is read: those its header gave, else the description, else those
   * the result carries.
   */
  List<Column> columns(ResultInspector inspector) {
    List<Column> carried = inspector.columns();
    if (!header.expected()) {
      return describedOr(described, carried);
    }
    List<Column> read = header.columns();
    // No header came (ClickHouse 18.16 writes none for a statement without a result, such as a
    // KILL QUERY that matched nothing), or one too long to keep: described after all.
    return read.isEmpty() ? describedOr(describe(sent, sql), carried) : read;
  }

  private static List<Column> describedOr(
      CompletableFuture<List<Column>> described, List<Column> carried) {
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
