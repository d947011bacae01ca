package io.agp.api.result;

import com.github.luben.zstd.ZstdIOException;
import io.agp.api.ApiProperties;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata;
import io.agp.execution.TsvEscapes;
import io.agp.results.ResultCompression;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The first rows of a stored result, read as a stream (decoded on the fly when stored compressed)
 * and closed as soon as one row more than asked for has been read: a preview of a result of many
 * gigabytes costs the same as one of a few rows. Each stored format is parsed as ClickHouse writes
 * it; values of the JSON formats keep their JSON type, those of the text formats are strings, and
 * NULL ({@code \N} in the text formats) is null. The columns are those of the result's metadata,
 * unless the format's own header names other ones.
 *
 * <p>A preview is bounded in characters too, so that a row of hundreds of megabytes (one {@code
 * groupArray} of a whole table) costs no more memory than a small one: a value longer than the
 * value bound is cut (a string keeps its start and ends with …, an array or object its first
 * elements), a row stops taking values at the row bound, and the preview stops taking rows at the
 * answer bound ({@code truncated}). The cells cut are listed in {@code cut}. Long strings of the
 * JSON formats are cut in the byte stream itself, before the parser would hold them whole.
 */
@Component
class ResultPreviews {

  private static final Logger log = LoggerFactory.getLogger(ResultPreviews.class);

  static final int DEFAULT_ROWS = 100;
  static final int MAX_ROWS = 1000;

  /** Ends a string value that was cut. */
  static final String CUT_MARK = "\u2026";

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final StoredResults results;
  private final Bounds bounds;

  ResultPreviews(StoredResults results, ApiProperties properties) {
    this.results = results;
    this.bounds =
        new Bounds(
            (int) properties.preview().maxValueSize().toBytes(),
            (int) properties.preview().maxRowSize().toBytes(),
            (int) properties.preview().maxSize().toBytes());
  }

  /** The bounds of a preview in characters: one value, one row, the whole answer. */
  record Bounds(int value, int row, int answer) {}

  /** A column of the preview: its name and ClickHouse type (empty when the result does not say). */
  record Column(String name, String type) {}

  /**
   * The first rows of a result.
   *
   * @param truncated whether the result has more rows than these (or more than the answer bound)
   * @param cut the cells ([row, column]) whose value was cut to the value or row bound
   */
  record Preview(
      List<Column> columns,
      List<List<JsonNode>> rows,
      boolean truncated,
      List<List<Integer>> cut) {}

  Preview preview(Execution execution, int rows) throws IOException {
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
    ResultMetadata result = execution.result();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    ResultCompression compression =
        ResultCompression.fromRecorded(result.compression())
            .orElseThrow(
                () -> new EncodingNotAcceptableException(execution.id(), result.compression()));
    List<Column> known =
        result.columns().stream().map(c -> new Column(c.name(), nonNull(c.type()))).toList();
    Rows taken = new Rows(bounds, rows);
    try (InputStream stored = results.open(result);
        InputStream decoded = compression.decoding(stored)) {
      return switch (format) {
        case JSON -> json(new LongStringCutter(decoded, bounds.value()), known, taken);
        case JSONEachRow ->
            jsonEachRow(new LongStringCutter(decoded, bounds.value()), known, taken);
        case CSV, CSVWithNames -> csv(decoded, known, format == ResultFormat.CSVWithNames, taken);
        case TSV, TSVWithNames, TSVWithNamesAndTypes -> tsv(decoded, known, format, taken);
      };
    } catch (JacksonException | ZipException | ZstdIOException e) {
      // Bytes that are not what the execution says they are: the download still serves them.
      ResultNotPreviewableException refused =
          new ResultNotPreviewableException(execution, format, compression, e);
      log.warn("{}: {}", refused.getMessage(), e.toString());
      throw refused;
    }
  }

  /** ClickHouse's JSON: {"meta": [{name, type}…], "data": [{…}, …], "rows": n, …}. */
  private static Preview json(InputStream in, List<Column> known, Rows rows) {
    List<Column> columns = new ArrayList<>(known);
    try (JsonParser parser = JSON.createParser(in)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return rows.preview(columns, false);
      }
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("meta".equals(field) && value == JsonToken.START_ARRAY) {
          List<Column> meta = new ArrayList<>();
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            JsonNode column = parser.readValueAsTree();
            meta.add(
                new Column(column.path("name").asString(""), column.path("type").asString("")));
          }
          columns = meta;
        } else if ("data".equals(field) && value == JsonToken.START_ARRAY) {
          JsonToken next;
          while ((next = parser.nextToken()) != JsonToken.END_ARRAY && next != null) {
            if (rows.full()) {
              return rows.preview(columns, true);
            }
            rows.add(jsonRow(parser, columns, rows));
          }
          // The rest (rows, statistics) tells nothing more: stop reading here.
          return rows.preview(columns, false);
        } else {
          parser.skipChildren();
        }
      }
      return rows.preview(columns, false);
    }
  }

  /** One JSON object a line (the parser reads them one after the other). */
  private static Preview jsonEachRow(InputStream in, List<Column> known, Rows rows) {
    List<Column> columns = new ArrayList<>(known);
    try (JsonParser parser = JSON.createParser(in)) {
      JsonToken next;
      while ((next = parser.nextToken()) != null) {
        if (next != JsonToken.START_OBJECT) {
          parser.skipChildren();
          continue;
        }
        if (rows.full()) {
          return rows.preview(columns, true);
        }
        rows.add(jsonRow(parser, columns, rows));
      }
      return rows.preview(columns, false);
    }
  }

  /**
   * The values of the row whose object (or array) the parser stands at, in the order of {@code
   * columns} (which it names when there are none yet), each within the bounds.
   */
  static List<JsonNode> jsonRow(JsonParser parser, List<Column> columns, Rows rows) {
    rows.startRow();
    List<JsonNode> values = new ArrayList<>();
    if (parser.currentToken() == JsonToken.START_ARRAY) {
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        values.add(rows.value(parser, values.size()));
      }
      return values;
    }
    boolean naming = columns.isEmpty();
    java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      int column = naming ? columns.size() : indexOf(columns, name);
      if (naming) {
        columns.add(new Column(name, ""));
      }
      byName.put(name, rows.value(parser, column));
    }
    for (Column column : columns) {
      JsonNode value = byName.get(column.name());
      values.add(value == null ? NODES.nullNode() : value);
    }
    return values;
  }

  private static int indexOf(List<Column> columns, String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static Preview csv(InputStream in, List<Column> known, boolean withNames, Rows rows)
      throws IOException {
    CsvRows csv = new CsvRows(reader(in), rows.bounds().value());
    List<Column> columns = known;
    if (withNames) {
      List<String> names = csv.next();
      if (names != null && known.size() != names.size()) {
        columns = names.stream().map(name -> new Column(name, "")).toList();
      }
    }
    List<String> row;
    while ((row = csv.next()) != null) {
      if (rows.full()) {
        return rows.preview(columns, true);
      }
      rows.add(rows.texts(row, csv.cutFields()));
    }
    return rows.preview(columns, false);
  }

  private static Preview tsv(InputStream in, List<Column> known, ResultFormat format, Rows rows)
      throws IOException {
    BoundedLines reader = new BoundedLines(reader(in), rows.bounds().row());
    List<Column> columns = known;
    if (format != ResultFormat.TSV) {
      String names = reader.readLine();
      String types = format == ResultFormat.TSVWithNamesAndTypes ? reader.readLine() : null;
      if (names != null && known.size() != tsvFields(names).size()) {
        List<String> nameList = tsvFields(names);
        List<String> typeList = types == null ? List.of() : tsvFields(types);
        List<Column> header = new ArrayList<>();
        for (int i = 0; i < nameList.size(); i++) {
          header.add(new Column(nameList.get(i), i < typeList.size() ? typeList.get(i) : ""));
        }
        columns = header;
      }
    }
    String line;
    while ((line = reader.readLine()) != null) {
      if (rows.full()) {
        return rows.preview(columns, true);
      }
      List<String> fields = tsvFields(line);
      Set<Integer> cut = reader.cut() ? Set.of(fields.size() - 1) : Set.of();
      rows.add(rows.texts(fields, cut));
    }
    return rows.preview(columns, false);
  }

  /** The fields of a TSV line, unescaped as ClickHouse escapes them; {@code \N} alone is null. */
  static List<String> tsvFields(String line) {
    List<String> fields = new ArrayList<>();
    for (String raw : line.split("\t", -1)) {
      fields.add(raw.equals("\\N") ? null : TsvEscapes.unescape(raw));
    }
    return fields;
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024);
  }

  private static String nonNull(String text) {
    return text == null ? "" : text;
  }

  /**
   * Rows of ClickHouse's CSV: fields separated by commas, quoted with {@code "} when they need it
   * ({@code ""} inside), a row a line (a quoted field may span lines); an unquoted {@code \N} is
   * NULL.
   */
  static final class CsvRows {

    private final Reader in;
    private final int maxField;
    private final Set<Integer> cut = new java.util.HashSet<>();
    private int peeked = -2;

    /**
     * @param maxField the characters a field keeps; the rest is read past
     */
    CsvRows(Reader in, int maxField) {
      this.in = in;
      this.maxField = maxField;
    }

    /** The next row, or null at the end. */
    List<String> next() throws IOException {
      cut.clear();
      int c = read();
      if (c == -1) {
        return null;
      }
      List<String> row = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      while (true) {
        if (c == '"' && field.isEmpty() && !quoted) {
          quoted = true;
          // A quoted field: up to the closing quote, "" standing for one quote.
          while (true) {
            int q = read();
            if (q == -1) {
              break;
            }
            if (q == '"') {
              if (peek() == '"') {
                read();
                append(field, '"', row.size());
                continue;
              }
              break;
            }
            append(field, (char) q, row.size());
          }
          c = read();
          continue;
        }
        if (c == ',' || c == '\n' || c == -1) {
          row.add(!quoted && field.toString().equals("\\N") ? null : field.toString());
          field.setLength(0);
          quoted = false;
          if (c != ',') {
            return row;
          }
        } else if (c != '\r' || (peek() != '\n')) {
          append(field, (char) c, row.size());
        }
        c = read();
      }
    }

    /** The fields of the last row that were cut to the bound. */
    Set<Integer> cutFields() {
      return cut;
    }

    private void append(StringBuilder field, char c, int column) {
      if (field.length() < maxField) {
        field.append(c);
      } else {
        cut.add(column);
      }
    }

    private int read() throws IOException {
      if (peeked != -2) {
        int c = peeked;
        peeked = -2;
        return c;
      }
      return in.read();
    }

    private int peek() throws IOException {
      if (peeked == -2) {
        peeked = in.read();
      }
      return peeked;
    }
  }

  /**
   * The rows taken so far and what is left of the bounds. A value over the value bound, or past the
   * row bound, is cut and its cell noted.
   */
  static final class Rows {

    private final Bounds bounds;
    private final int limit;
    private final List<List<JsonNode>> taken = new ArrayList<>();
    private final List<List<Integer>> cut = new ArrayList<>();
    private long used;
    private int rowUsed;
    private int valueUsed;

    Rows(Bounds bounds, int limit) {
      this.bounds = bounds;
      this.limit = limit;
    }

    Bounds bounds() {
      return bounds;
    }

    /** Whether no row more may be taken: the rows asked for, or the answer bound, are reached. */
    boolean full() {
      return taken.size() == limit || used >= bounds.answer();
    }

    void startRow() {
      rowUsed = 0;
    }

    void add(List<JsonNode> row) {
      taken.add(row);
    }

    Preview preview(List<Column> columns, boolean truncated) {
      return new Preview(columns, taken, truncated, cut);
    }

    /** The values of a text row, each cut to what the bounds leave. */
    List<JsonNode> texts(List<String> fields, Set<Integer> alreadyCut) {
      startRow();
      List<JsonNode> values = new ArrayList<>(fields.size());
      for (int column = 0; column < fields.size(); column++) {
        String field = fields.get(column);
        if (field == null) {
          values.add(NODES.nullNode());
          continue;
        }
        valueUsed = 0;
        int room = room();
        boolean shortened = alreadyCut.contains(column) || field.length() > room;
        String kept = field.length() > room ? field.substring(0, room) : field;
        take(kept.length());
        if (shortened) {
          noteCut(column);
          kept = kept + CUT_MARK;
        }
        values.add(NODES.stringNode(kept));
      }
      return values;
    }

    /**
     * The JSON value the parser stands at, built within the bounds: a string the byte stream cut
     * loses its mark and ends with …; an array or object keeps its first elements and skips the
     * rest unread into memory.
     */
    JsonNode value(JsonParser parser, int column) {
      valueUsed = 0;
      boolean[] shortened = {false};
      JsonNode value = build(parser, shortened);
      if (shortened[0] && column >= 0) {
        noteCut(column);
      }
      return value;
    }

    private JsonNode build(JsonParser parser, boolean[] shortened) {
      JsonToken token = parser.currentToken();
      switch (token) {
        case START_ARRAY -> {
          tools.jackson.databind.node.ArrayNode array = NODES.arrayNode();
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (room() <= 0) {
              shortened[0] = true;
              parser.skipChildren();
              continue;
            }
            array.add(build(parser, shortened));
          }
          return array;
        }
        case START_OBJECT -> {
          tools.jackson.databind.node.ObjectNode object = NODES.objectNode();
          while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            if (room() <= 0) {
              shortened[0] = true;
              parser.skipChildren();
              continue;
            }
            take(name.length());
            object.set(name, build(parser, shortened));
          }
          return object;
        }
        case VALUE_STRING -> {
          String text = parser.getString();
          boolean streamCut = text.endsWith(LongStringCutter.MARK);
          if (streamCut) {
            text = text.substring(0, text.length() - LongStringCutter.MARK.length());
          }
          int room = room();
          if (streamCut || text.length() > room) {
            shortened[0] = true;
            text = (text.length() > room ? text.substring(0, Math.max(0, room)) : text) + CUT_MARK;
          }
          take(text.length());
          return NODES.stringNode(text);
        }
        case VALUE_NULL -> {
          return NODES.nullNode();
        }
        default -> {
          JsonNode scalar = parser.readValueAsTree();
          take(scalar.toString().length());
          return scalar;
        }
      }
    }

    /** The characters the current value may still take: of its own, its row's and the answer's. */
    private int room() {
      long left =
          Math.min(
              Math.min(bounds.value() - valueUsed, bounds.row() - rowUsed), bounds.answer() - used);
      return (int) Math.max(0, left);
    }

    private void take(int characters) {
      valueUsed += characters;
      rowUsed += characters;
      used += characters;
    }

    private void noteCut(int column) {
      cut.add(List.of(taken.size(), column));
    }
  }

  /**
   * Lines of text, each kept up to a bound and read past beyond it: a line of hundreds of megabytes
   * costs the bound in memory.
   */
  static final class BoundedLines {

    private final Reader in;
    private final int max;
    private boolean cut;

    BoundedLines(Reader in, int max) {
      this.in = in;
      this.max = max;
    }

    /** The next line without its end, or null at the end of the text. */
    String readLine() throws IOException {
      cut = false;
      StringBuilder line = new StringBuilder();
      int c = in.read();
      if (c == -1) {
        return null;
      }
      while (c != -1 && c != '\n') {
        if (line.length() < max) {
          line.append((char) c);
        } else {
          cut = true;
        }
        c = in.read();
      }
      int last = line.length() - 1;
      if (!cut && last >= 0 && line.charAt(last) == '\r') {
        line.setLength(last);
      }
      return line.toString();
    }

    /** Whether the last line was longer than the bound. */
    boolean cut() {
      return cut;
    }
  }
}
