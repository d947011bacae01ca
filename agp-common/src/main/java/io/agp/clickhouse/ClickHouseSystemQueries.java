package io.agp.clickhouse;

import io.agp.execution.Progress;
import io.agp.execution.ResultMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * What AGP asks a node besides its users' queries: how far queries have got ({@code
 * system.processes}), what the query log says of ended ones, the server's version and settings, the
 * columns a query would return, and killing a query. Each is one small query over {@link
 * ClickHouseClient}'s transport, read as {@code JSONEachRow}, which every version from 18.16 on
 * writes the same way (64-bit integers as strings, by {@code
 * output_format_json_quote_64bit_integers} default, read here either way).
 */
public final class ClickHouseSystemQueries {

  private static final ObjectReader ROWS = JsonMapper.builder().build().readerFor(JsonNode.class);

  private static final String PROGRESS_SQL =
      "SELECT query_id, read_rows, read_bytes, total_rows_approx, elapsed, memory_usage,"
          + " peak_memory_usage FROM system.processes WHERE query_id IN (%s) FORMAT JSONEachRow";

  // The type of a row is a number up to 19.x and an enum after: its text is one or the other.
  private static final String QUERY_LOG_SQL =
      "SELECT query_id, read_rows, read_bytes, memory_usage, query_duration_ms,"
          + " toUInt32(query_start_time) AS started"
          + " FROM system.query_log WHERE event_date >= yesterday() AND query_id IN (%s)"
          + " AND toString(type) IN ('2', '3', '4', 'QueryFinish', 'ExceptionBeforeStart',"
          + " 'ExceptionWhileProcessing') FORMAT JSONEachRow";
  private static final String KILL_SQL = "KILL QUERY WHERE query_id = %s SYNC FORMAT JSONEachRow";
  private static final String VERSION_SQL = "SELECT version() AS version FORMAT JSONEachRow";
  private static final String SETTINGS_SQL = "SELECT name FROM system.settings FORMAT JSONEachRow";

  private final ClickHouseClient client;

  ClickHouseSystemQueries(ClickHouseClient client) {
    this.client = client;
  }

  /** How far a running query has got, or empty when the node runs no query with that id. */
  public Optional<Progress> progress(String queryId) {
    return Optional.ofNullable(progress(List.of(queryId)).get(queryId));
  }

  /**
   * How far each of these queries has got, in one query to the node: by query_id, for those the
   * node runs now.
   */
  public Map<String, Progress> progress(Collection<String> queryIds) {
    return byQueryId(
        PROGRESS_SQL,
        "system.processes",
        queryIds,
        row ->
            new Progress(
                number(row, "read_rows"),
                number(row, "read_bytes"),
                number(row, "total_rows_approx"),
                Math.round(decimal(row, "elapsed") * 1000),
                number(row, "memory_usage"),
                number(row, "peak_memory_usage")));
  }

  /**
   * What {@code system.query_log} of this node says of these queries once they ended (finished or
   * failed), by query_id: nothing for a query it has not logged, or not yet (the server writes its
   * log every few seconds), or when the server logs no queries ({@code log_queries}).
   */
  public Map<String, LoggedQuery> queryLog(Collection<String> queryIds) {
    return byQueryId(
        QUERY_LOG_SQL,
        "system.query_log",
        queryIds,
        row ->
            new LoggedQuery(
                number(row, "read_rows"),
                number(row, "read_bytes"),
                number(row, "memory_usage"),
                number(row, "query_duration_ms"),
                Instant.ofEpochSecond(number(row, "started"))));
  }

  /**
   * Kills the query and waits until it has stopped. The stream of the killed query then fails.
   *
   * @return whether a query with that id was running and is now stopped
   */
  public boolean kill(String queryId) {
    // One row per query found; SYNC only answers once each is final.
    return rows(KILL_SQL.formatted(ClickHouseClient.quote(queryId)), Map.of()).stream()
        .anyMatch(row -> row.path("kill_status").asString("").equals("finished"));
  }

  /** The server's version, e.g. {@code 18.16.1} or {@code 25.8.2.29}. */
  public String version() {
    List<JsonNode> rows = rows(VERSION_SQL, Map.of());
    if (rows.isEmpty() || !rows.getFirst().path("version").isString()) {
      throw new ClickHouseException("SELECT version() returned no version", 0, false);
    }
    return rows.getFirst().path("version").asString();
  }

  /**
   * The columns a query would return, with their ClickHouse types, without running it ({@code
   * DESCRIBE TABLE (query)}, which every version from 18.16 on understands).
   *
   * @param sql the query, without a {@code FORMAT} clause
   * @param settings as for {@link ClickHouseClient#execute}: parameters and settings the query
   *     needs
   */
  public List<ResultMetadata.Column> describe(String sql, Map<String, String> settings) {
    String describe = "DESCRIBE TABLE (" + sql + "\n) FORMAT JSONEachRow";
    List<ResultMetadata.Column> columns = new ArrayList<>();
    for (JsonNode row : rows(describe, settings)) {
      if (row.path("name").isString() && row.path("type").isString()) {
        columns.add(
            new ResultMetadata.Column(row.path("name").asString(), row.path("type").asString()));
      }
    }
    return columns;
  }

  /** The names of all settings the server accepts; any other setting would fail a query. */
  public Set<String> knownSettings() {
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode row : rows(SETTINGS_SQL, Map.of())) {
      if (row.path("name").isString()) {
        names.add(row.path("name").asString());
      }
    }
    return Set.copyOf(names);
  }

  /**
   * The rows of a system table for these queries, one statement for all of them, each read by
   * {@code read} and keyed by its query_id.
   *
   * @param sql the statement, with {@code %s} where the quoted query ids go
   */
  private <T> Map<String, T> byQueryId(
      String sql, String table, Collection<String> queryIds, Function<JsonNode, T> read) {
    if (queryIds.isEmpty()) {
      return Map.of();
    }
    String quoted =
        queryIds.stream().map(ClickHouseClient::quote).collect(Collectors.joining(", "));
    Map<String, T> found = new LinkedHashMap<>();
    for (JsonNode row : rows(sql.formatted(quoted), Map.of())) {
      try {
        found.put(text(row, "query_id"), read.apply(row));
      } catch (IllegalArgumentException e) {
        throw new ClickHouseException("unexpected " + table + " row: " + row, 0, false, e);
      }
    }
    return found;
  }

  private List<JsonNode> rows(String sql, Map<String, String> settings) {
    try (ClickHouseResponse response = client.internal(sql, settings);
        InputStream body = response.body();
        MappingIterator<JsonNode> rows = ROWS.readValues(body)) {
      return rows.readAll();
    } catch (IOException | JacksonException e) {
      throw new ClickHouseException(
          "reading the answer to an internal query failed: " + e, 0, true, e);
    }
  }

  private static String text(JsonNode row, String column) {
    JsonNode value = row.path(column);
    if (!value.isString()) {
      throw new IllegalArgumentException("no " + column);
    }
    return value.asString();
  }

  /** An integer column: a JSON number, or a string of one (64-bit integers are quoted). */
  private static long number(JsonNode row, String column) {
    JsonNode value = row.path(column);
    if (value.isIntegralNumber()) {
      return value.longValue();
    }
    if (value.isString()) {
      return Long.parseLong(value.asString());
    }
    throw new IllegalArgumentException("no number in " + column);
  }

  private static double decimal(JsonNode row, String column) {
    JsonNode value = row.path(column);
    if (value.isNumber()) {
      return value.doubleValue();
    }
    if (value.isString()) {
      return Double.parseDouble(value.asString());
    }
    throw new IllegalArgumentException("no number in " + column);
  }
}
