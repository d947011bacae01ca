package io.agp.api.usage;

import io.agp.jdbc.SqlFile;
import io.agp.usage.DaySpans;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The usage rollups as the API reads them (never the executions table): rows per day or hour, tier
 * and user, or their totals per user or per tier over a range. Two SQL files per grain, under
 * {@code sql/usage/}, the rows and the totals; the grouping and the order are fixed fragments
 * chosen by {@link Grouping} and {@link Figure}.
 */
public class UsageQueries {

  /** The rollup read: the daily rows or the hourly ones. */
  public enum Granularity {
    DAY,
    HOUR
  }

  /**
   * What a row stands for: a day (or hour) of a tier and user, a user's totals, a tier's. The
   * totals' statements take the grouping's columns (the other one null) and key as fixed fragments.
   */
  public enum Grouping {
    DAY(null, null),
    USER("cast(null as text) as tier, owner", "owner"),
    TIER("tier, cast(null as text) as owner", "tier");

    private final String columns;
    private final String key;

    Grouping(String columns, String key) {
      this.columns = columns;
      this.key = key;
    }
  }

  /** A figure rows may be ordered by, highest first; each maps to a fixed ORDER BY fragment. */
  public enum Figure {
    READ_BYTES("read_bytes"),
    SERVER_SECONDS("server_ms"),
    EXECUTIONS("executions"),
    READ_ROWS("read_rows"),
    RESULT_BYTES("result_bytes"),
    DOWNLOADED_BYTES("downloaded_bytes"),
    PEAK_MEMORY_BYTES("peak_memory_bytes"),
    QUEUE_SECONDS("queue_ms");

    private final String column;

    Figure(String column) {
      this.column = column;
    }

    /** The figure as the API names it ({@code read_bytes}, {@code server_seconds}, ...). */
    public String parameter() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Which rows: a range (UTC days, both included), and optionally one tier and one user.
   *
   * @param owner null for every user (an admin's question)
   */
  public record Filter(LocalDate from, LocalDate to, String tier, String owner) {}

  /**
   * One row: the day or hour is null in totals, the tier in a user's totals, the user in a tier's.
   * The peak memory is the largest one query reached; every other figure adds up.
   */
  public record Row(
      LocalDate day,
      Instant hour,
      String tier,
      String owner,
      long executions,
      long executionsSucceeded,
      long executionsFailed,
      long executionsCanceled,
      long syncRuns,
      long proxyQueries,
      long readRows,
      long readBytes,
      long resultBytes,
      long downloadedBytes,
      long serverMillis,
      long peakMemoryBytes,
      long queueMillis) {}

  /** A range's rows per day or hour of a tier and user, and their totals per user or tier. */
  private record Files(String list, String sum) {}

  private static final Map<Granularity, Files> FILES =
      Map.of(
          Granularity.DAY,
          new Files(SqlFile.load("usage/list_days"), SqlFile.load("usage/sum_days")),
          Granularity.HOUR,
          new Files(SqlFile.load("usage/list_hours"), SqlFile.load("usage/sum_hours")));

  /** The natural order (keys only): the statement with no figure in front. */
  private static final String NATURAL = "";

  private static final String PLAN_SERIALLY = SqlFile.load("usage/plan_serially");

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;

  public UsageQueries(JdbcClient jdbc, TransactionTemplate transactions) {
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  /**
   * The rows of the filter, at most {@code limit}: ordered by {@code order} highest first (then by
   * their keys), or by their keys alone when it is null.
   */
  public List<Row> find(
      Granularity granularity, Grouping grouping, Filter filter, Figure order, int limit) {
    return transactions.execute(
        status -> {
          jdbc.sql(PLAN_SERIALLY).update();
          return read(granularity, grouping, filter, order, limit);
        });
  }

  private List<Row> read(
      Granularity granularity, Grouping grouping, Filter filter, Figure order, int limit) {
    String sql = statement(granularity, grouping, order);
    JdbcClient.StatementSpec statement = jdbc.sql(sql);
    if (granularity == Granularity.DAY && grouping != Grouping.DAY) {
      // Totals over the range: its spans of days and the single days at its edges.
      statement = DaySpans.cover(filter.from(), filter.to()).bind(statement);
    } else if (granularity == Granularity.DAY) {
      statement = statement.param("from", filter.from()).param("to", filter.to());
    } else {
      statement =
          statement
              .param("from", startOf(filter.from()))
              .param("to", startOf(filter.to().plusDays(1)));
    }
    return statement
        .param("tier", filter.tier())
        .param("owner", filter.owner())
        .param("limit", limit)
        .query(UsageQueries::row)
        .list();
  }

  /** Every statement the API runs, composed once: by grain, grouping and order (null: keys). */
  private static final Map<Granularity, Map<Grouping, Map<Optional<Figure>, String>>> STATEMENTS =
      statements();

  /**
   * The statement of a question, as the API runs it (its fixed fragments in place), for {@code
   * EXPLAIN} in tests and benchmarks.
   *
   * @param order the figure first in the order, highest first; null for the keys' order alone
   */
  public static String statement(Granularity granularity, Grouping grouping, Figure order) {
    return STATEMENTS.get(granularity).get(grouping).get(Optional.ofNullable(order));
  }

  private static Map<Granularity, Map<Grouping, Map<Optional<Figure>, String>>> statements() {
    List<Optional<Figure>> orders = new ArrayList<>();
    orders.add(Optional.empty());
    Arrays.stream(Figure.values()).map(Optional::of).forEach(orders::add);
    Map<Granularity, Map<Grouping, Map<Optional<Figure>, String>>> all =
        new EnumMap<>(Granularity.class);
    for (Granularity granularity : Granularity.values()) {
      Files files = FILES.get(granularity);
      Map<Grouping, Map<Optional<Figure>, String>> byGrouping = new EnumMap<>(Grouping.class);
      for (Grouping grouping : Grouping.values()) {
        String grouped =
            grouping == Grouping.DAY
                ? files.list()
                : files
                    .sum()
                    .replace("GROUP_COLUMNS", grouping.columns)
                    .replace("GROUP_KEY", grouping.key);
        Map<Optional<Figure>, String> byOrder = new HashMap<>();
        for (Optional<Figure> order : orders) {
          byOrder.put(
              order,
              grouped.replace("ORDER_BY", order.map(f -> f.column + " desc,").orElse(NATURAL)));
        }
        byGrouping.put(grouping, byOrder);
      }
      all.put(granularity, byGrouping);
    }
    return all;
  }

  private static OffsetDateTime startOf(LocalDate day) {
    return day.atStartOfDay().atOffset(ZoneOffset.UTC);
  }

  private static Row row(ResultSet rs, int n) throws SQLException {
    OffsetDateTime hour = rs.getObject("hour", OffsetDateTime.class);
    return new Row(
        rs.getObject("day", LocalDate.class),
        hour == null ? null : hour.toInstant(),
        rs.getString("tier"),
        rs.getString("owner"),
        rs.getLong("executions"),
        rs.getLong("executions_succeeded"),
        rs.getLong("executions_failed"),
        rs.getLong("executions_canceled"),
        rs.getLong("sync_runs"),
        rs.getLong("proxy_queries"),
        rs.getLong("read_rows"),
        rs.getLong("read_bytes"),
        rs.getLong("result_bytes"),
        rs.getLong("downloaded_bytes"),
        rs.getLong("server_ms"),
        rs.getLong("peak_memory_bytes"),
        rs.getLong("queue_ms"));
  }
}
