package io.agp.api.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.luben.zstd.ZstdIOException;
import io.agp.api.ApiProperties;
import io.agp.api.result.ResultPreviews.Bounds;
import io.agp.api.result.ResultPreviews.Column;
import io.agp.api.result.ResultPreviews.CsvRows;
import io.agp.api.result.ResultPreviews.Rows;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata;
import io.agp.results.NoSuchResultException;
import io.agp.results.ResultCompression;
import io.agp.results.RowIndex;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Pages of a stored result's rows as JSON, read from the point of the result's row index at or
 * before the page (a ranged read of the store, decoded from a compression frame that starts there)
 * and not from the start: a page from the end of a result of gigabytes costs about what one from
 * its start does. A result without an index (stored before indexes existed, or too small for a
 * point) is read from its start.
 *
 * <p>Values are parsed and bounded as in {@link ResultPreviews}. Those of the JSON formats keep
 * ClickHouse's JSON types (64-bit integers are strings there, as ClickHouse quotes them by
 * default); those of CSV and TSV are typed by their column's type: integers of up to 32 bits and
 * finite floats become numbers, everything else (64-bit and wider integers, decimals, dates) stays
 * a string, so that no client loses digits to a double.
 */
@Component
class RowPages {

  private static final Logger log = LoggerFactory.getLogger(RowPages.class);

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private static final long POINTS_CACHED = 1 << 20;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final StoredResults results;
  private final Bounds bounds;

  /**
   * Indexes never change once written: the last ones read, by result key (empty: none), up to a
   * bound on their points in all (24 bytes each), so that many large results cost little memory.
   */
  private final Map<String, Optional<RowIndex>> indexes = new LinkedHashMap<>(16, 0.75f, true);

  private long cachedPoints;

  RowPages(StoredResults results, ApiProperties properties) {
    this.results = results;
    this.bounds =
        new Bounds(
            (int) properties.preview().maxValueSize().toBytes(),
            (int) properties.preview().maxRowSize().toBytes(),
            (int) properties.preview().maxSize().toBytes());
  }

  /**
   * One page of rows.
   *
   * @param offset the row the page starts at
   * @param nextOffset the row the next page starts at; null after the last row
   * @param totalRows the rows of the whole result (-1 when the format did not tell)
   * @param cut whether the byte bounds shortened the page (fewer rows than asked for) or a value
   * @param cutCells the cells ([row, column] of {@code rows}) whose value was cut
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Page(
      List<Column> columns,
      List<List<JsonNode>> rows,
      long offset,
      Long nextOffset,
      long totalRows,
      boolean cut,
      List<List<Integer>> cutCells) {}

  Page page(Execution execution, long offset, int limit) throws IOException {
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
    ResultMetadata result = execution.result();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    ResultCompression compression =
        ResultCompression.fromRecorded(result.compression())
            .orElseThrow(
                () -> new EncodingNotAcceptableException(execution.id(), result.compression()));
    // Named from the first row of a JSONEachRow result whose metadata names none.
    List<Column> columns = new ArrayList<>();
    result
        .columns()
        .forEach(c -> columns.add(new Column(c.name(), c.type() == null ? "" : c.type())));
    long total = result.rows();
    if (total >= 0 && offset >= total) {
      return new Page(columns, List.of(), offset, null, total, false, List.of());
    }
    // A result kept in the row is small: it has no index, and is read from its start.
    Optional<RowIndex> index = result.inline() != null ? Optional.empty() : index(result.key());
    int point = index.map(i -> i.floor(offset)).orElse(-1);
    long firstRow = point < 0 ? 0 : index.get().rows()[point];
    long start = point < 0 ? 0 : index.get().stored()[point];
    // The row after the page, read to tell whether there is one (clamped: offset may be huge).
    long after = Math.min(offset, Long.MAX_VALUE - 2L * MAX_LIMIT) + limit;
    OptionalLong end = index.isPresent() ? index.get().storedEndAfter(after) : OptionalLong.empty();
    Rows taken = new Rows(bounds, limit);
    boolean more;
    try (InputStream stored =
            end.isPresent()
                ? results.open(result, start, end.getAsLong() - start)
                : results.open(result, start);
        InputStream decoded = compression.decoding(stored)) {
      long skip = offset - firstRow;
      boolean fromStart = point < 0;
      more =
          switch (format) {
            case JSON -> json(decoded, fromStart, skip, columns, taken);
            case JSONEachRow -> jsonEachRow(decoded, skip, columns, taken);
            case CSV, CSVWithNames ->
                csv(decoded, skip + header(format, fromStart), columns, taken);
            case TSV, TSVWithNames, TSVWithNamesAndTypes ->
                tsv(decoded, skip + header(format, fromStart), taken);
          };
    } catch (JacksonException | ZipException | ZstdIOException e) {
      ResultNotPreviewableException refused =
          new ResultNotPreviewableException(execution, format, compression, e);
      log.warn("{}: {}", refused.getMessage(), e.toString());
      throw refused;
    }
    ResultPreviews.Preview rows = taken.preview(columns, more);
    List<List<JsonNode>> values = rows.rows();
    if (format != ResultFormat.JSON && format != ResultFormat.JSONEachRow) {
      values = typed(values, columns, rows.cut());
    }
    long next = offset + values.size();
    boolean shortened = more && values.size() < limit;
    return new Page(
        columns,
        values,
        offset,
        more ? next : null,
        total,
        shortened || !rows.cut().isEmpty(),
        rows.cut());
  }

  private Optional<RowIndex> index(String key) throws IOException {
    synchronized (indexes) {
      Optional<RowIndex> known = indexes.get(key);
      if (known != null) {
        return known;
      }
    }
    Optional<RowIndex> read;
    try (InputStream in = results.openStored(RowIndex.keyFor(key))) {
      read = Optional.of(RowIndex.read(in));
    } catch (NoSuchResultException e) {
      read = Optional.empty();
    } catch (IOException e) {
      // A damaged index costs speed, not rows: read from the start.
      log.warn("ignoring the row index of {}: {}", key, e.toString());
      read = Optional.empty();
    }
    synchronized (indexes) {
      if (indexes.put(key, read) == null) {
        cachedPoints += weight(read);
      }
      var eldest = indexes.entrySet().iterator();
      while (cachedPoints > POINTS_CACHED && eldest.hasNext()) {
        cachedPoints -= weight(eldest.next().getValue());
        eldest.remove();
      }
    }
    return read;
  }

  /** What a cached index counts against the bound: its points, and one for the entry. */
  private static long weight(Optional<RowIndex> index) {
    return 1 + index.map(RowIndex::size).orElse(0);
  }

  private static int header(ResultFormat format, boolean fromStart) {
    if (!fromStart) {
      return 0;
    }
    return switch (format) {
      case CSVWithNames, TSVWithNames -> 1;
      case TSVWithNamesAndTypes -> 2;
      default -> 0;
    };
  }

  /**
   * ClickHouse's JSON, from its start ({"meta": …, "data": [{…}, …], …}) or from a point of the
   * index, where a row of the data array starts.
   */
  private static boolean json(
      InputStream in, boolean fromStart, long skip, List<Column> columns, Rows rows)
      throws IOException {
    InputStream source =
        fromStart ? in : new SequenceInputStream(new ByteArrayInputStream(new byte[] {'['}), in);
    try (JsonParser parser =
        JSON.createParser(new LongStringCutter(source, rows.bounds().value()))) {
      if (fromStart && !toData(parser)) {
        return false;
      }
      if (!fromStart && parser.nextToken() != JsonToken.START_ARRAY) {
        return false;
      }
      return dataRows(parser, skip, columns, rows);
    }
  }

  /** Moves the parser into the data array; false when there is none. */
  private static boolean toData(JsonParser parser) {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      return false;
    }
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("data".equals(field) && value == JsonToken.START_ARRAY) {
        return true;
      }
      parser.skipChildren();
    }
    return false;
  }

  /** The rows of an array the parser is in, after skipping some; true when more follow. */
  private static boolean dataRows(JsonParser parser, long skip, List<Column> columns, Rows rows) {
    JsonToken next;
    long skipped = 0;
    while ((next = parser.nextToken()) != JsonToken.END_ARRAY && next != null) {
      if (skipped < skip) {
        parser.skipChildren();
        skipped++;
        continue;
      }
      if (rows.full()) {
        return true;
      }
      rows.add(ResultPreviews.jsonRow(parser, columns, rows));
    }
    return false;
  }

  private static boolean jsonEachRow(InputStream in, long skip, List<Column> columns, Rows rows)
      throws IOException {
    InputStream rest = LineSkipper.skip(in, skip, false);
    try (JsonParser parser = JSON.createParser(new LongStringCutter(rest, rows.bounds().value()))) {
      JsonToken next;
      while ((next = parser.nextToken()) != null) {
        if (next != JsonToken.START_OBJECT) {
          parser.skipChildren();
          continue;
        }
        if (rows.full()) {
          return true;
        }
        rows.add(ResultPreviews.jsonRow(parser, columns, rows));
      }
      return false;
    }
  }

  private static boolean csv(InputStream in, long skip, List<Column> columns, Rows rows)
      throws IOException {
    InputStream rest = LineSkipper.skip(in, skip, true);
    CsvRows csv =
        new CsvRows(new InputStreamReader(rest, StandardCharsets.UTF_8), rows.bounds().value());
    List<String> row;
    while ((row = csv.next()) != null) {
      if (rows.full()) {
        return true;
      }
      rows.add(rows.texts(row, csv.cutFields()));
    }
    return false;
  }

  private static boolean tsv(InputStream in, long skip, Rows rows) throws IOException {
    InputStream rest = LineSkipper.skip(in, skip, false);
    ResultPreviews.BoundedLines lines =
        new ResultPreviews.BoundedLines(
            new InputStreamReader(rest, StandardCharsets.UTF_8), rows.bounds().row());
    String line;
    while ((line = lines.readLine()) != null) {
      if (rows.full()) {
        return true;
      }
      List<String> fields = ResultPreviews.tsvFields(line);
      Set<Integer> cut = lines.cut() ? Set.of(fields.size() - 1) : Set.of();
      rows.add(rows.texts(fields, cut));
    }
    return false;
  }

  /** The text values as their column's type says, where JSON holds it exactly. */
  private static List<List<JsonNode>> typed(
      List<List<JsonNode>> rows, List<Column> columns, List<List<Integer>> cut) {
    List<List<JsonNode>> typed = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      List<JsonNode> row = new ArrayList<>(rows.get(r));
      for (int c = 0; c < row.size() && c < columns.size(); c++) {
        if (row.get(c).isString() && !cut.contains(List.of(r, c))) {
          row.set(c, typed(row.get(c).asString(), columns.get(c).type()));
        }
      }
      typed.add(row);
    }
    return typed;
  }

  static JsonNode typed(String text, String type) {
    String base = unwrap(unwrap(type, "LowCardinality("), "Nullable(");
    try {
      return switch (base) {
        case "Int8", "Int16", "Int32", "UInt8", "UInt16", "UInt32" ->
            NODES.numberNode(Long.parseLong(text));
        case "Float32", "Float64" -> {
          double value = Double.parseDouble(text);
          yield Double.isFinite(value) && !text.isEmpty() && Character.isDigit(last(text))
              ? NODES.numberNode(value)
              : NODES.stringNode(text);
        }
        default -> NODES.stringNode(text);
      };
    } catch (NumberFormatException e) {
      return NODES.stringNode(text);
    }
  }

  private static char last(String text) {
    return text.charAt(text.length() - 1);
  }

  private static String unwrap(String type, String wrapper) {
    return type.startsWith(wrapper) && type.endsWith(")")
        ? type.substring(wrapper.length(), type.length() - 1)
        : type;
  }

  /**
   * Skips whole lines of a byte stream fast, before any character decoding: in CSV, the line breaks
   * inside quoted strings do not count.
   */
  static final class LineSkipper {

    private static final int BUFFER = 64 * 1024;

    private LineSkipper() {}

    /** What follows the first {@code lines} lines of {@code in}. */
    static InputStream skip(InputStream in, long lines, boolean csv) throws IOException {
      if (lines <= 0) {
        return in;
      }
      byte[] buffer = new byte[BUFFER];
      boolean quoted = false;
      long left = lines;
      int n;
      while ((n = in.read(buffer)) >= 0) {
        for (int at = 0; at < n; at++) {
          byte b = buffer[at];
          if (b == '\n' && !quoted) {
            if (--left == 0) {
              return new SequenceInputStream(
                  new ByteArrayInputStream(buffer, at + 1, n - at - 1), in);
            }
          } else if (csv && b == '"') {
            quoted = !quoted;
          }
        }
      }
      return InputStream.nullInputStream();
    }
  }
}
