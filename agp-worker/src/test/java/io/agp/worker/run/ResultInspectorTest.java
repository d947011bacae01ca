package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResultInspectorTest {

  @Test
  void readsColumnsAndRowCountOfClickHouseJson() {
    String body =
        """
        {
        	"meta":
        	[
        		{
        			"name": "number",
        			"type": "UInt64"
        		},
        		{
        			"name": "s",
        			"type": "String"
        		}
        	],

        	"data":
        	[
        		{"number": "0", "s": "rows: 7"},
        		{"number": "1", "s": "1"}
        	],

        	"rows": 2,

        	"rows_before_limit_at_least": 2,

        	"statistics": {"elapsed": 0.001, "rows_read": 2, "bytes_read": 16}
        }
        """;

    ResultInspector inspector = inspect(ResultFormat.JSON, body, 7);

    assertThat(inspector.rows()).isEqualTo(2);
    assertThat(inspector.columns())
        .containsExactly(new Column("number", "UInt64"), new Column("s", "String"));
    assertThat(inspector.bytes()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void countsCsvRowsWithLineBreaksInsideQuotedStrings() {
    String body = "\"id\",\"text\"\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\"\n3,\"x\"\n";

    ResultInspector inspector = inspect(ResultFormat.CSVWithNames, body, 3);

    assertThat(inspector.rows()).isEqualTo(3);
    assertThat(inspector.columns()).containsExactly(new Column("id", ""), new Column("text", ""));
  }

  @Test
  void readsNamesAndTypesOfTsvWithNamesAndTypes() {
    String body = "a\tb\nUInt8\tString\n1\tx\n2\ty\n";

    ResultInspector inspector = inspect(ResultFormat.TSVWithNamesAndTypes, body, 5);

    assertThat(inspector.rows()).isEqualTo(2);
    assertThat(inspector.columns())
        .containsExactly(new Column("a", "UInt8"), new Column("b", "String"));
  }

  /** As DESCRIBE gives them: TSV escapes a tab, a backslash and a quote in its header too. */
  @Test
  void readsTheNamesAndTypesOfATsvHeaderUnescaped() {
    String body = "a\\tb\\\\c\te\nUInt8\tEnum8(\\'x\\\\\\'y\\' = 1)\n1\tx\\'y\n";

    ResultInspector inspector = inspect(ResultFormat.TSVWithNamesAndTypes, body, 3);

    assertThat(inspector.columns())
        .containsExactly(new Column("a\tb\\c", "UInt8"), new Column("e", "Enum8('x\\'y' = 1)"));
    assertThat(inspect(ResultFormat.TSVWithNames, "a\\tb\n1\n", 2).columns())
        .containsExactly(new Column("a\tb", ""));
  }

  @Test
  void countsOneRowPerLineOfJsonEachRow() {
    ResultInspector inspector =
        inspect(ResultFormat.JSONEachRow, "{\"a\":\"x\\ny\"}\n{\"a\":2}\n{\"a\":3}\n", 4);

    assertThat(inspector.rows()).isEqualTo(3);
    assertThat(inspector.columns()).isEmpty();
  }

  @Test
  void anEmptyResultHasNoRows() {
    assertThat(inspect(ResultFormat.TSVWithNames, "a\n", 1).rows()).isZero();
    assertThat(inspect(ResultFormat.CSV, "", 1).rows()).isZero();
  }

  @Test
  void countsTheSameRowsAsAByteByByteReadingWhateverTheChunking() {
    // Quotes, doubled quotes, line breaks inside and outside strings, at every word offset.
    java.util.Random random = new java.util.Random(42);
    StringBuilder body = new StringBuilder();
    String[] pieces = {"1", ",", "\"", "\"\"", "\n", "abc", "\"x\ny\"", "é"};
    for (int i = 0; i < 20_000; i++) {
      body.append(pieces[random.nextInt(pieces.length)]);
    }
    long expected = 0;
    boolean quoted = false;
    for (byte b : body.toString().getBytes(StandardCharsets.UTF_8)) {
      if (b == '"') {
        quoted = !quoted;
      } else if (b == '\n' && !quoted) {
        expected++;
      }
    }
    long newlines = body.chars().filter(c -> c == '\n').count();

    // 4096 bytes make a block of the vectorized count; chunks cross blocks every way.
    for (int chunk : new int[] {1, 3, 7, 8, 9, 64, 1000, 4095, 4096, 4097, 9000, 100_000}) {
      assertThat(inspect(ResultFormat.CSV, body.toString(), chunk).rows()).isEqualTo(expected);
      assertThat(inspect(ResultFormat.TSV, body.toString(), chunk).rows()).isEqualTo(newlines);
    }
  }

  @Test
  void readsTheRowCountAtTheEndOfAJsonResultLongerThanItsTailWhateverTheChunking() {
    StringBuilder body =
        new StringBuilder("{\n\t\"meta\": [{\"name\": \"n\", \"type\": \"UInt64\"}],\n");
    body.append("\t\"data\": [\n");
    for (int i = 0; i < 3_000; i++) {
      body.append("\t\t{\"n\": \"").append(i).append("\"},\n");
    }
    body.append("\t],\n\t\"rows\": 3000,\n\t\"statistics\": {\"elapsed\": 0.5}\n}\n");

    // Chunks shorter than, equal to and longer than the 4 KiB tail ring, and ones that wrap it.
    for (int chunk : new int[] {1, 1000, 4095, 4096, 4097, 10_000, 1_000_000}) {
      assertThat(inspect(ResultFormat.JSON, body.toString(), chunk).rows())
          .as("chunks of %d bytes", chunk)
          .isEqualTo(3000);
    }
  }

  /** Feeds the body in chunks of {@code chunk} bytes, as a network stream would. */
  private static ResultInspector inspect(ResultFormat format, String body, int chunk) {
    ResultInspector inspector = new ResultInspector(format);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int offset = 0; offset < bytes.length; offset += chunk) {
      byte[] padded = new byte[chunk + 4];
      int n = Math.min(chunk, bytes.length - offset);
      System.arraycopy(bytes, offset, padded, 2, n);
      inspector.accept(padded, 2, n);
    }
    return inspector;
  }
}
