package io.agp.worker.run;

import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata.Column;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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

  private final ResultFormat format;
  private final byte[] head = new byte[HEAD_LIMIT];
  private int headLength;
  private final byte[] tail = new byte[TAIL_LIMIT];
  private long total;
  private long newlines;
  private boolean inQuotes;

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
      countCsvLines(buffer, offset, end);
    } else {
      newlines += countNewlines(buffer, offset, end);
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

  // Counting goes eight bytes at a time: a byte-by-byte loop over a gigabyte was the worker's
  // largest CPU cost. matches() sets the top bit of each byte of the word equal to the pattern's
  // byte, exactly (no carry crosses bytes), so a bit count is a byte count.
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BYTE_ONES = 0x0101010101010101L;

  private static long matches(long word, long pattern) {
    long x = word ^ pattern;
    return ~(((x & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | x | LOW_SEVEN_BITS);
  }

  private static long countNewlines(byte[] buffer, int from, int to) {
    long count = 0;
    int at = from;
    for (; at + Long.BYTES <= to; at += Long.BYTES) {
      count += Long.bitCount(matches((long) LONGS.get(buffer, at), NEWLINES));
    }
    for (; at < to; at++) {
      if (buffer[at] == '\n') {
        count++;
      }
    }
    return count;
  }

  /**
   * Counts the line breaks outside quotes: CSV quotes strings that may hold raw line breaks, and a
   * doubled quote inside a string leaves it and enters it again, which comes to the same.
   */
  private void countCsvLines(byte[] buffer, int from, int to) {
    boolean quoted = inQuotes;
    long count = newlines;
    int at = from;
    for (; at + Long.BYTES <= to; at += Long.BYTES) {
      long word = (long) LONGS.get(buffer, at);
      long quotes = matches(word, QUOTES) >>> 7;
      // Quotes are one bit per byte (values 0 or 1), so multiplying by 0x0101... puts in each byte
      // the number of quotes up to it, whose lowest bit tells whether a line break there is quoted.
      long quotedBytes = (quotes * BYTE_ONES) & BYTE_ONES;
      if (quoted) {
        quotedBytes ^= BYTE_ONES;
      }
      count += Long.bitCount((matches(word, NEWLINES) >>> 7) & ~quotedBytes);
      quoted ^= (Long.bitCount(quotes) & 1) == 1;
    }
    for (; at < to; at++) {
      byte b = buffer[at];
      if (b == '"') {
        quoted = !quoted;
      } else if (b == '\n' && !quoted) {
        count++;
      }
    }
    inQuotes = quoted;
    newlines = count;
  }

  long bytes() {
    return total;
  }

  /** Rows in the result; -1 when the format does not tell. */
  long rows() {
    return switch (format) {
      case JSON -> jsonRows();
      case JSONEachRow, CSV, TSV -> newlines;
      case CSVWithNames, TSVWithNames -> Math.max(0, newlines - 1);
      case TSVWithNamesAndTypes -> Math.max(0, newlines - 2);
    };
  }

  /** Column names, and types where the format carries them. */
  List<Column> columns() {
    return switch (format) {
      case JSON -> jsonColumns();
      case CSVWithNames ->
          headerLine(0, ",").stream().map(n -> new Column(unquote(n), "")).toList();
      case TSVWithNames -> headerLine(0, "\t").stream().map(n -> new Column(n, "")).toList();
      case TSVWithNamesAndTypes -> {
        List<String> names = headerLine(0, "\t");
        List<String> types = headerLine(1, "\t");
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          columns.add(new Column(names.get(i), i < types.size() ? types.get(i) : ""));
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
