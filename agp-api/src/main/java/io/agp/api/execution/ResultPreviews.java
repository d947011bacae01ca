package io.agp.api.execution;

import com.github.luben.zstd.ZstdIOException;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;
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
 */
@Component
class ResultPreviews {

  static final int DEFAULT_ROWS = 100;
  static final int MAX_ROWS = 1000;

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ResultStore results;

  ResultPreviews(ResultStore results) {
    this.results = results;
  }

  /** A column of the preview: its name and ClickHouse type (empty when the result does not say). */
  record Column(String name, String type) {}

  /**
   * The first rows of a result.
   *
   * @param truncated whether the result has more rows than these
   */
  record Preview(List<Column> columns, List<List<JsonNode>> rows, boolean truncated) {}

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
    try (InputStream stored = results.open(result.key());
        InputStream decoded = compression.decoding(stored)) {
      return switch (format) {
        case JSON -> json(decoded, known, rows);
        case JSONEachRow -> jsonEachRow(decoded, known, rows);
        case CSV, CSVWithNames -> csv(decoded, known, format == ResultFormat.CSVWithNames, rows);
        case TSV, TSVWithNames, TSVWithNamesAndTypes -> tsv(decoded, known, format, rows);
      };
    } catch (JacksonException | ZipException | ZstdIOException e) {
      // Bytes that are not what the execution says they are: the download still serves them.
      throw new ResultNotPreviewableException(execution, format, compression, e);
    }
  }

  /** ClickHouse's JSON: {"meta": [{name, type}…], "data": [{…}, …], "rows": n, …}. */
  private static Preview json(InputStream in, List<Column> known, int limit) {
    List<Column> columns = new ArrayList<>(known);
    List<List<JsonNode>> rows = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(in)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Preview(columns, rows, false);
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
            if (rows.size() == limit) {
              return new Preview(columns, rows, true);
            }
            rows.add(values(parser.readValueAsTree(), columns));
          }
          // The rest (rows, statistics) tells nothing more: stop reading here.
          return new Preview(columns, rows, false);
        } else {
          parser.skipChildren();
        }
      }
      return new Preview(columns, rows, false);
    }
  }

  /** One JSON object a line. */
  private static Preview jsonEachRow(InputStream in, List<Column> known, int limit)
      throws IOException {
    List<Column> columns = new ArrayList<>(known);
    List<List<JsonNode>> rows = new ArrayList<>();
    BufferedReader reader = reader(in);
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      if (rows.size() == limit) {
        return new Preview(columns, rows, true);
      }
      JsonNode row = JSON.readTree(line);
      if (columns.isEmpty()) {
        row.propertyNames().forEach(name -> columns.add(new Column(name, "")));
      }
      rows.add(values(row, columns));
    }
    return new Preview(columns, rows, false);
  }

  private static List<JsonNode> values(JsonNode row, List<Column> columns) {
    if (row.isArray()) {
      List<JsonNode> values = new ArrayList<>(row.size());
      row.forEach(values::add);
      return values;
    }
    List<JsonNode> values = new ArrayList<>(columns.size());
    for (Column column : columns) {
      JsonNode value = row.get(column.name());
      values.add(value == null ? NODES.nullNode() : value);
    }
    return values;
  }

  private static Preview csv(InputStream in, List<Column> known, boolean withNames, int limit)
      throws IOException {
    CsvRows csv = new CsvRows(reader(in));
    List<Column> columns = known;
    if (withNames) {
      List<String> names = csv.next();
      if (names != null && known.size() != names.size()) {
        columns = names.stream().map(name -> new Column(name, "")).toList();
      }
    }
    List<List<JsonNode>> rows = new ArrayList<>();
    List<String> row;
    while ((row = csv.next()) != null) {
      if (rows.size() == limit) {
        return new Preview(columns, rows, true);
      }
      rows.add(texts(row));
    }
    return new Preview(columns, rows, false);
  }

  private static Preview tsv(InputStream in, List<Column> known, ResultFormat format, int limit)
      throws IOException {
    BufferedReader reader = reader(in);
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
    List<List<JsonNode>> rows = new ArrayList<>();
    String line;
    while ((line = reader.readLine()) != null) {
      if (rows.size() == limit) {
        return new Preview(columns, rows, true);
      }
      rows.add(texts(tsvFields(line)));
    }
    return new Preview(columns, rows, false);
  }

  /** The fields of a TSV line, unescaped as ClickHouse escapes them; {@code \N} alone is null. */
  static List<String> tsvFields(String line) {
    List<String> fields = new ArrayList<>();
    for (String raw : line.split("\t", -1)) {
      if (raw.equals("\\N")) {
        fields.add(null);
        continue;
      }
      StringBuilder field = new StringBuilder(raw.length());
      for (int i = 0; i < raw.length(); i++) {
        char c = raw.charAt(i);
        if (c != '\\' || i + 1 == raw.length()) {
          field.append(c);
          continue;
        }
        char escaped = raw.charAt(++i);
        field.append(
            switch (escaped) {
              case 'b' -> '\b';
              case 'f' -> '\f';
              case 'r' -> '\r';
              case 'n' -> '\n';
              case 't' -> '\t';
              case '0' -> '\0';
              default -> escaped;
            });
      }
      fields.add(field.toString());
    }
    return fields;
  }

  private static List<JsonNode> texts(List<String> fields) {
    List<JsonNode> values = new ArrayList<>(fields.size());
    for (String field : fields) {
      values.add(field == null ? NODES.nullNode() : NODES.stringNode(field));
    }
    return values;
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
    private int peeked = -2;

    CsvRows(Reader in) {
      this.in = in;
    }

    /** The next row, or null at the end. */
    List<String> next() throws IOException {
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
                field.append('"');
                continue;
              }
              break;
            }
            field.append((char) q);
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
          field.append((char) c);
        }
        c = read();
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
}
