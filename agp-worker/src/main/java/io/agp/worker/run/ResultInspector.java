package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import io.agp.execution.TsvEscapes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Learns the row count and the columns of a result from the bytes as they stream past, without
 * holding more than a small head and tail of them.
 */
final class ResultInspector {

  private static final int HEAD_LIMIT = 64 * 1024;
  private static final int TAIL_LIMIT = 4 * 1024;
  private static final Pattern JSON_ROWS = Pattern.compile("\"rows\"\\s*:\\s*(\\d+)");
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String JSON_DATA_START = "\n\t\"data\":\n\t[\n";
  private static final String JSON_ROW_START = "\t\t{";
  static final int ROW_START_SCAN = 64 * 1024;

  private final ResultFormat format;
  private final byte[] head = new byte[HEAD_LIMIT];
  private int headLength;
  private final byte[] tail = new byte[TAIL_LIMIT];
  private long total;
  private final LineCounter lines = new LineCounter();
  private long rowAtStart;
  // 0 before the layout is known, -1 when JSON's rows cannot be placed by their lines.
  private long jsonFirstRowLine;
  private long jsonLinesPerRow;

  ResultInspector(ResultFormat format) {
    this.format = format;
  }

  void accept(byte[] buffer, int offset, int length) {
    if (headLength < HEAD_LIMIT) {
      int n = Math.min(length, HEAD_LIMIT - headLength);
      System.arraycopy(buffer, offset, head, headLength, n);
      headLength += n;
    }
    int end = offset + length;
    if (isCsv()) {
      lines.countCsv(buffer, offset, end);
    } else {
      // JSON states its row count at its end, but its lines place the rows for the row index.
      lines.count(buffer, offset, end);
    }
    // The ring keeps the last bytes; with reads no longer than the ring (ClickHouse's 4 KiB
    // chunks) every byte passes through it, so copy in at most two blocks, not byte by byte.
    int tailStart = Math.max(offset, end - TAIL_LIMIT);
    int position = (int) ((total + tailStart - offset) % TAIL_LIMIT);
    int toRingEnd = Math.min(end - tailStart, TAIL_LIMIT - position);
    System.arraycopy(buffer, tailStart, tail, position, toRingEnd);
    System.arraycopy(buffer, tailStart + toRingEnd, tail, 0, end - tailStart - toRingEnd);
    total += length;
  }

  /**
   * Where the first row that starts in this buffer starts (its offset in the buffer, which may be
   * its end), or -1 when none does or the format cannot tell; {@link #rowAtStart()} is then that
   * row's number. Called before {@link #accept} is given the same buffer. Looks at no more than the
   * first {@value #ROW_START_SCAN} bytes.
   */
  int rowStart(byte[] buffer, int offset, int length) {
    int end = offset + Math.min(length, ROW_START_SCAN);
    long line = lines.lines();
    if (format == ResultFormat.JSON) {
      return jsonRowStart(buffer, offset, end, line);
    }
    int header =
        switch (format) {
          case CSVWithNames, TSVWithNames -> 1;
          case TSVWithNamesAndTypes -> 2;
          default -> 0;
        };
    boolean quoted = isCsv() && lines.inQuotes();
    boolean csv = isCsv();
    for (int at = offset; at < end; at++) {
      byte b = buffer[at];
      if (csv && b == '"') {
        quoted = !quoted;
      } else if (b == '\n' && !quoted) {
        line++;
        if (line >= header) {
          rowAtStart = line - header;
          return at + 1;
        }
      }
    }
    return -1;
  }

  /** The row that starts where {@link #rowStart} said. */
  long rowAtStart() {
    return rowAtStart;
  }

  /**
   * ClickHouse's JSON writes each row of its data over as many lines as it has columns, and two: an
   * opening brace, a line a value, a closing brace, each line indented; strings escape their line
   * breaks. So a row starts at every such count of lines from the first one, and each is checked to
   * open with two tabs and a brace.
   */
  private int jsonRowStart(byte[] buffer, int offset, int end, long line) {
    if (jsonFirstRowLine == 0) {
      jsonLayout();
    }
    if (jsonFirstRowLine < 0) {
      return -1;
    }
    for (int at = offset; at < end; at++) {
      if (buffer[at] != '\n') {
        continue;
      }
      line++;
      long fromFirst = line - jsonFirstRowLine;
      if (fromFirst >= 0 && fromFirst % jsonLinesPerRow == 0) {
        if (at + 3 < end
            && buffer[at + 1] == '\t'
            && buffer[at + 2] == '\t'
            && buffer[at + 3] == '{') {
          rowAtStart = fromFirst / jsonLinesPerRow;
          return at + 1;
        }
        return -1;
      }
    }
    return -1;
  }

  /**
   * Finds the line of the first row and the lines a row takes, from the head, and checks them
   * there: the first two rows must open exactly that many lines apart. A layout that differs (rows
   * on one line, or rows too long for two in the head) gets no index rather than a wrong one.
   */
  private void jsonLayout() {
    jsonFirstRowLine = -1;
    String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
    int data = text.indexOf(JSON_DATA_START);
    List<Column> columns = jsonColumns();
    if (data < 0 || columns.isEmpty()) {
      return;
    }
    int dataEnd = data + JSON_DATA_START.length();
    long firstLine = text.substring(0, dataEnd).chars().filter(c -> c == '\n').count();
    long perRow = columns.size() + 2;
    List<Long> rowLines = new ArrayList<>();
    long line = firstLine;
    int at = dataEnd;
    while (rowLines.size() < 2 && at < text.length()) {
      if (text.startsWith(JSON_ROW_START, at)) {
        rowLines.add(line);
      }
      int next = text.indexOf('\n', at);
      if (next < 0) {
        break;
      }
      at = next + 1;
      line++;
    }
    if (rowLines.size() == 2
        && rowLines.get(0) == firstLine
        && rowLines.get(1) == firstLine + perRow) {
      jsonFirstRowLine = firstLine;
      jsonLinesPerRow = perRow;
    }
  }

  long bytes() {
    return total;
  }

  /** Rows in the result; -1 when the format does not tell. */
  long rows() {
    return switch (format) {
      case JSON -> jsonRows();
      case JSONEachRow, CSV, TSV -> lines.lines();
      case CSVWithNames, TSVWithNames -> Math.max(0, lines.lines() - 1);
      case TSVWithNamesAndTypes -> Math.max(0, lines.lines() - 2);
    };
  }

  /** Column names, and types where the format carries them. */
  List<Column> columns() {
    return switch (format) {
      case JSON -> jsonColumns();
      case CSVWithNames ->
          headerLine(0, ",").stream().map(n -> new Column(unquote(n), "")).toList();
      case TSVWithNames ->
          headerLine(0, "\t").stream().map(n -> new Column(TsvEscapes.unescape(n), "")).toList();
      case TSVWithNamesAndTypes -> {
        List<String> names = headerLine(0, "\t");
        List<String> types = headerLine(1, "\t");
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          columns.add(
              new Column(
                  TsvEscapes.unescape(names.get(i)),
                  i < types.size() ? TsvEscapes.unescape(types.get(i)) : ""));
        }
        yield columns;
      }
      case JSONEachRow, CSV, TSV -> List.of();
    };
  }

  private boolean isCsv() {
    return format == ResultFormat.CSV || format == ResultFormat.CSVWithNames;
  }

  private long jsonRows() {
    Matcher matcher = JSON_ROWS.matcher(tailText());
    long rows = -1;
    while (matcher.find()) {
      rows = Long.parseLong(matcher.group(1));
    }
    return rows;
  }

  private List<Column> jsonColumns() {
    List<Column> columns = new ArrayList<>();
    // The head may end in the middle of the data: read tokens only as far as the meta array.
    try (JsonParser parser = JSON.createParser(Arrays.copyOf(head, headLength))) {
      if (parser.nextToken() != JsonToken.START_OBJECT
          || parser.nextToken() != JsonToken.PROPERTY_NAME
          || !"meta".equals(parser.currentName())
          || parser.nextToken() != JsonToken.START_ARRAY) {
        return List.of();
      }
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        String name = null;
        String type = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
          String field = parser.currentName();
          parser.nextToken();
          if ("name".equals(field)) {
            name = parser.getString();
          } else if ("type".equals(field)) {
            type = parser.getString();
          } else {
            parser.skipChildren();
          }
        }
        columns.add(new Column(name, type));
      }
      return columns;
    } catch (RuntimeException e) {
      // A meta section longer than the head: the result is still good, only unlabelled.
      return columns;
    }
  }

  private List<String> headerLine(int index, String separator) {
    String text = new String(head, 0, headLength, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", index + 2);
    if (lines.length <= index + 1 && !text.endsWith("\n")) {
      return List.of();
    }
    return List.of(lines[index].split(separator, -1));
  }

  private static String unquote(String name) {
    if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
      return name.substring(1, name.length() - 1).replace("\"\"", "\"");
    }
    return name;
  }

  private String tailText() {
    int length = (int) Math.min(total, TAIL_LIMIT);
    byte[] ordered = new byte[length];
    long start = total - length;
    for (int i = 0; i < length; i++) {
      ordered[i] = tail[(int) ((start + i) % TAIL_LIMIT)];
    }
    return new String(ordered, StandardCharsets.UTF_8);
  }
}
