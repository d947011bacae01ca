package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultStores;
import io.agp.results.ResultUpload;
import io.agp.testkit.Trickle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TSV and TSVWithNames are asked of ClickHouse as TSVWithNamesAndTypes: the streamer takes off the
 * header lines they lack, wherever the reads cut them, and the header gives the columns.
 */
class AnswerHeaderTest {

  private static final int COLUMNS = 300;
  private static final String ROWS = "1\tx\\ty\n2\t\\N\n\n3\ttotals\n";

  @TempDir Path temp;

  /** 300 columns with long names, some with characters TSV escapes. */
  private static List<Column> wideColumns() {
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < COLUMNS; i++) {
      String name = "a rather long alias for column number " + i + (i % 7 == 0 ? "\twith\\'s" : "");
      String type = i % 3 == 0 ? "UInt64" : i % 3 == 1 ? "Nullable(String)" : "Enum8('a\\'b' = 1)";
      columns.add(new Column(name, type));
    }
    return columns;
  }

  private static String escaped(String text) {
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("'", "\\'");
  }

  private static String line(List<Column> columns, boolean types) {
    return String.join(
            "\t", columns.stream().map(c -> escaped(types ? c.type() : c.name())).toList())
        + "\n";
  }

  @ParameterizedTest
  @EnumSource(
      value = ResultFormat.class,
      names = {"TSV", "TSVWithNames"})
  void storesTheAnswerWithoutTheLinesTheFormatLacksWhateverTheReads(ResultFormat format)
      throws IOException {
    List<Column> columns = wideColumns();
    String names = line(columns, false);
    String answer = names + line(columns, true) + ROWS;
    assertThat(names.length()).as("a header longer than many reads").isGreaterThan(12_000);
    String expected = (format == ResultFormat.TSVWithNames ? names : "") + ROWS;

    for (int chunk : new int[] {1, 7, 4096, names.length() - 1, names.length() + 3, 1 << 20}) {
      AnswerHeader header = AnswerHeader.of(format);
      ResultInspector inspector = new ResultInspector(format);
      ResultStreamer streamer = new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0);

      byte[] stored = stream(answer, chunk, streamer, inspector, header);

      assertThat(header.asked()).isEqualTo(ResultFormat.TSVWithNamesAndTypes);
      assertThat(new String(stored, StandardCharsets.UTF_8))
          .as("reads of %d bytes", chunk)
          .isEqualTo(expected);
      assertThat(header.columns()).as("reads of %d bytes", chunk).isEqualTo(columns);
      assertThat(inspector.rows()).isEqualTo(4);
      assertThat(inspector.bytes()).isEqualTo(expected.length());
      assertThat(streamer.answerBytes()).isEqualTo(answer.length());
    }
  }

  @Test
  void anAnswerWithoutHeaderStoresNothingAndGivesNoColumns() throws IOException {
    AnswerHeader header = AnswerHeader.of(ResultFormat.TSV);
    ResultInspector inspector = new ResultInspector(ResultFormat.TSV);
    ResultStreamer streamer = new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0);

    assertThat(stream("", 4096, streamer, inspector, header)).isEmpty();
    assertThat(header.expected()).isTrue();
    assertThat(header.columns()).isEmpty();
    assertThat(inspector.rows()).isZero();
  }

  @Test
  void anEmptyResultKeepsItsColumns() throws IOException {
    AnswerHeader header = AnswerHeader.of(ResultFormat.TSVWithNames);
    ResultInspector inspector = new ResultInspector(ResultFormat.TSVWithNames);
    ResultStreamer streamer = new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0);

    byte[] stored = stream("n\ts\nUInt64\tString\n", 3, streamer, inspector, header);

    assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo("n\ts\n");
    assertThat(header.columns())
        .containsExactly(new Column("n", "UInt64"), new Column("s", "String"));
    assertThat(inspector.rows()).isZero();
  }

  @Test
  void headerLinesEndingInCarriageReturnsGiveTheSameColumns() throws IOException {
    AnswerHeader header = AnswerHeader.of(ResultFormat.TSV);
    ResultInspector inspector = new ResultInspector(ResultFormat.TSV);
    ResultStreamer streamer = new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0);

    byte[] stored = stream("n\ts\r\nUInt64\tString\r\n1\ta\r\n", 5, streamer, inspector, header);

    assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo("1\ta\r\n");
    assertThat(header.columns())
        .containsExactly(new Column("n", "UInt64"), new Column("s", "String"));
  }

  @Test
  void aHeaderTooLongToKeepIsStillTakenOffButGivesNoColumns() throws IOException {
    String names = "n".repeat(AnswerHeader.TEXT_LIMIT) + "\tm\n";
    AnswerHeader header = AnswerHeader.of(ResultFormat.TSVWithNames);
    ResultStreamer streamer = new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0);

    byte[] stored =
        stream(
            names + "UInt8\tUInt8\n1\t2\n",
            64 * 1024,
            streamer,
            new ResultInspector(ResultFormat.TSVWithNames),
            header);

    assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo(names + "1\t2\n");
    assertThat(header.columns()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = ResultFormat.class,
      names = {"TSV", "TSVWithNames"},
      mode = EnumSource.Mode.EXCLUDE)
  void otherFormatsAreAskedForAsTheyAreStoredAndKeptWhole(ResultFormat format) throws IOException {
    AnswerHeader header = AnswerHeader.of(format);
    String answer = "a\tb\nUInt8\tString\n1\tx\n";

    byte[] stored =
        stream(
            answer,
            5,
            new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 0),
            new ResultInspector(format),
            header);

    assertThat(header.asked()).isEqualTo(format);
    assertThat(header.expected()).isFalse();
    assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo(answer);
  }

  private byte[] stream(
      String answer,
      int chunk,
      ResultStreamer streamer,
      ResultInspector inspector,
      AnswerHeader header)
      throws IOException {
    try (ResultStore store = ResultStores.open(temp.toUri(), null)) {
      try (ResultUpload upload = store.upload("r")) {
        streamer.copy(
            new Trickle(answer.getBytes(StandardCharsets.UTF_8), chunk), upload, inspector, header);
        upload.commit();
      }
      try (InputStream in = store.open("r")) {
        return in.readAllBytes();
      }
    }
  }
}
