package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.execution.TsvEscapes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The header lines of ClickHouse's answer that the stored result does not keep. A result stored as
 * TSV or TSVWithNames is asked of ClickHouse as TSVWithNamesAndTypes: its first two lines name the
 * columns and give their types, which these formats would otherwise learn from a second request to
 * ClickHouse ({@code DESCRIBE}, see {@link ColumnDescriber}): a round trip that the result of a
 * short query waits for, as its answer comes sooner. The lines the stored format lacks are taken
 * off before anything is stored, counted or indexed, so that the stored bytes are exactly what
 * ClickHouse answers in the stored format: TSV keeps neither line, TSVWithNames the names only.
 *
 * <p>Fed the answer from its start, buffer after buffer; a header line may span any number of them.
 * Other formats are asked for as they are stored and have no such header.
 */
final class AnswerHeader {

  /**
   * Header text kept to read the columns from. A longer header (thousands of columns) is still
   * taken off, but its columns are described instead.
   */
  static final int TEXT_LIMIT = 1024 * 1024;

  private static final int LINES = 2;

  private final ResultFormat asked;
  private final boolean expected;
  private final boolean storesNames;
  private int linesEnded;
  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private boolean textCut;

  private AnswerHeader(ResultFormat asked, boolean expected, boolean storesNames) {
    this.asked = asked;
    this.expected = expected;
    this.storesNames = storesNames;
    this.linesEnded = expected ? 0 : LINES;
  }

  /** The header of the answer to a query whose result is stored in {@code stored}. */
  static AnswerHeader of(ResultFormat stored) {
    return switch (stored) {
      case TSV -> new AnswerHeader(ResultFormat.TSVWithNamesAndTypes, true, false);
      case TSVWithNames -> new AnswerHeader(ResultFormat.TSVWithNamesAndTypes, true, true);
      default -> new AnswerHeader(stored, false, false);
    };
  }

  /** The format ClickHouse is asked for. */
  ResultFormat asked() {
    return asked;
  }

  /** Whether the answer is to start with such a header, which gives the result's columns. */
  boolean expected() {
    return expected;
  }

  /** Whether the header is behind: the rest of the answer is stored as it comes. */
  boolean ended() {
    return linesEnded == LINES;
  }

  /** Whether the bytes that {@link #take} takes next are stored (the names of TSVWithNames). */
  boolean storesLine() {
    return storesNames && linesEnded == 0;
  }

  /**
   * Takes the bytes of {@code buffer[offset, end)} up to the end of the current header line, its
   * line break included, or all of them when it does not end there.
   *
   * @return how many bytes were taken
   */
  int take(byte[] buffer, int offset, int end) {
    int at = offset;
    while (at < end && buffer[at] != '\n') {
      at++;
    }
    if (at < end) {
      at++;
      linesEnded++;
    }
    int taken = at - offset;
    if (!textCut && text.size() + taken <= TEXT_LIMIT) {
      text.write(buffer, offset, taken);
    } else {
      textCut = true;
    }
    return taken;
  }

  /**
   * The columns the header names, with their types; empty when no whole header came (an answer
   * without one) or it was too long to keep.
   */
  List<Column> columns() {
    if (!ended() || textCut || text.size() == 0) {
      return List.of();
    }
    // Lines end in \r\n where a server writes them so (output_format_tsv_crlf_end_of_line).
    String[] lines = text.toString(StandardCharsets.UTF_8).split("\r?\n", -1);
    String[] names = lines[0].split("\t", -1);
    String[] types = lines[1].split("\t", -1);
    List<Column> columns = new ArrayList<>(names.length);
    for (int i = 0; i < names.length; i++) {
      columns.add(
          new Column(
              TsvEscapes.unescape(names[i]),
              i < types.length ? TsvEscapes.unescape(types[i]) : ""));
    }
    return columns;
  }
}
