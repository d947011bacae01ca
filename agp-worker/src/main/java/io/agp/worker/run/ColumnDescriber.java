package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The columns of a result with their types. JSON and TSVWithNamesAndTypes carry them; for the other
 * formats ClickHouse is asked to describe the query, and when that fails the names the result
 * carries (if any) are kept: a good result is not failed for want of labels.
 */
final class ColumnDescriber {

  private static final Logger log = LoggerFactory.getLogger(ColumnDescriber.class);

  private ColumnDescriber() {}

  static List<Column> columns(
      QuerySender.Sent sent, String sql, ResultFormat format, ResultInspector inspector) {
    List<Column> carried = inspector.columns();
    if (format == ResultFormat.JSON || format == ResultFormat.TSVWithNamesAndTypes) {
      return carried;
    }
    try {
      List<Column> described = sent.node().system().describe(sql, sent.settings());
      return described.isEmpty() ? carried : described;
    } catch (RuntimeException e) {
      log.warn("could not describe the result's columns; keeping {}: {}", carried, e.toString());
      return carried;
    }
  }
}
