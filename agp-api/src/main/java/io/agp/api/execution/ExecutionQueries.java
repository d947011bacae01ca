package io.agp.api.execution;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.execution.TypicalDuration;
import io.agp.jdbc.SqlFile;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionOperations;
import tools.jackson.databind.json.JsonMapper;

/**
 * Read queries over past and present executions: listing with filters and a keyset cursor,
 * searching by query_id, finding a result fresh enough to reuse, and what a waiting caller wants to
 * know (a PENDING execution's place in its queue, how long a query usually runs). One SQL file per
 * method, under {@code sql/execution/}.
 *
 * <p>Lists and searches return at most the first {@link #LISTED_SQL_CHARS} characters of each SQL
 * text, so that a page of long statements stays small; {@link #findReusable} returns it whole.
 */
public class ExecutionQueries {

  /** The SQL characters a list or search returns (the execution_summaries view cuts there). */
  public static final int LISTED_SQL_CHARS = 4097;

  private static final String LIST = SqlFile.load("execution/list");
  private static final String FIND_REUSABLE = SqlFile.load("execution/find_reusable");
  private static final String SEARCH = SqlFile.load("execution/search");
  private static final String QUEUE_POSITION = SqlFile.load("execution/queue_position");
  private static final String TYPICAL_DURATION = SqlFile.load("execution/typical_duration");

  /** How a search orders the executions it finds; each maps to a fixed ORDER BY fragment. */
  public enum SearchOrder {
    CREATED_AT("created_at desc, id desc"),
    COMPLETED_AT("completed_at desc nulls last, id desc");

    private final String fragment;

    SearchOrder(String fragment) {
      this.fragment = fragment;
    }
  }

  /** The search statement per order, built once from the file and the enum's fixed fragments. */
  private static final Map<SearchOrder, String> SEARCH_BY_ORDER = searchStatements();

  private final JsonMapper json = JsonMapper.builder().build();
  private final JdbcClient jdbc;
  private final TransactionOperations transactions;
  private final RowMapper<Execution> mapper;

  /**
   * @param transactions transactions on the database of {@code jdbc}
   */
  public ExecutionQueries(JdbcClient jdbc, TransactionOperations transactions) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.mapper = (rs, row) -> ExecutionRepository.mapExecution(rs);
  }

  /**
   * Which executions a list shows; null fields do not filter.
   *
   * @param viewer the user whose executions (created or joined) are listed; null for all (an admin)
   * @param statuses empty for all
   * @param name the exact name an execution was given
   * @param labels key/values an execution's labels must all contain; empty for any
   */
  public record ListFilter(
      String viewer,
      String queryId,
      Set<ExecutionStatus> statuses,
      String tier,
      String createdBy,
      String name,
      Instant createdAfter,
      Instant createdBefore,
      Map<String, String> labels) {

    public ListFilter {
      statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** Where a page starts: just after the execution with this creation time and id. */
  public record Keyset(Instant createdAt, long id) {}

  /** Up to {@code limit} executions matching the filter, newest first, after the keyset if any. */
  public List<Execution> list(ListFilter filter, Keyset after, int limit) {
    return jdbc.sql(LIST)
        .param("viewer", filter.viewer())
        .param("queryId", filter.queryId())
        .param("statuses", filter.statuses().isEmpty() ? null : joined(filter.statuses()))
        .param("tier", filter.tier())
        .param("createdBy", filter.createdBy())
        .param("name", filter.name())
        .param("createdAfter", timestamp(filter.createdAfter()))
        .param("createdBefore", timestamp(filter.createdBefore()))
        .param("labels", json.writeValueAsString(filter.labels()))
        .param("cursorCreatedAt", after == null ? null : timestamp(after.createdAt()))
        .param("cursorId", after == null ? null : after.id())
        .param("limit", limit)
        .query(mapper)
        .list();
  }

  /**
   * The executions of a query_id (and hash, if not null) in one of the statuses that {@code viewer}
   * created or joined (all, when viewer is null), at most {@code limit}, in the given order.
   */
  public List<Execution> search(
      String queryId,
      String queryHash,
      String viewer,
      Set<ExecutionStatus> statuses,
      SearchOrder order,
      int limit) {
    return jdbc.sql(SEARCH_BY_ORDER.get(order))
        .param("queryId", queryId)
        .param("queryHash", queryHash)
        .param("viewer", viewer)
        .param("statuses", joined(statuses))
        .param("limit", limit)
        .query(mapper)
        .list();
  }

  /**
   * The newest SUCCEEDED, unexpired execution of the request's query_id, hash, tier and share key
   * that completed at most {@code maxAge} ago.
   */
  public Optional<Execution> findReusable(NewExecution request, Duration maxAge) {
    return jdbc.sql(FIND_REUSABLE)
        .param("queryId", request.queryId())
        .param("queryHash", request.queryHash())
        .param("tier", request.tier())
        .param("shareKey", request.shareKey())
        .param("maxAgeMillis", maxAge.toMillis())
        .query(mapper)
        .optional();
  }

  /**
   * The place of a PENDING execution in its tier's queue, 1 for the next the claim would take: the
   * claim's own order (see claim.sql), as of now. Empty when the execution is not PENDING.
   */
  public OptionalLong queuePosition(long id) {
    // The statement reads each waiting user's queue in the order of the claim, through the index
    // kept in that order. A queue's statistics are stale most of the time (a backlog grows faster
    // than autovacuum analyzes it), and on statistics that say a user has one PENDING row the
    // planner reads the user's rows through the smaller index of in-flight rows and sorts them:
    // 35 ms per user with 20,000 rows queued instead of well under one. Without sorts allowed, it
    // takes the ordered index whatever the statistics say; so one plan serves every execution, and
    // is made once per connection: planning this statement costs 7 ms, running it 0.3 ms
    // (bench/README.md, "API: create and get by id"). Both settings for this transaction only.
    return transactions.execute(
        status -> {
          jdbc.sql(
                  "select set_config('enable_sort', 'off', true),"
                      + " set_config('plan_cache_mode', 'force_generic_plan', true)")
              .query()
              .listOfRows();
          return jdbc.sql(QUEUE_POSITION)
              .param("id", id)
              .query((rs, n) -> rs.getLong("queue_position"))
              .optional()
              .map(OptionalLong::of)
              .orElse(OptionalLong.empty());
        });
  }

  /**
   * How long the execution's query usually runs: the median duration of the last {@code runs}
   * successful executions of the same query hash, tier and share key. Empty when fewer than {@code
   * atLeast} succeeded.
   */
  public Optional<TypicalDuration> typicalDuration(long id, int runs, int atLeast) {
    return jdbc.sql(TYPICAL_DURATION)
        .param("id", id)
        .param("runs", runs)
        .query((rs, n) -> new TypicalDuration(rs.getLong("median_ms"), rs.getInt("runs")))
        .optional()
        .filter(typical -> typical.runs() >= atLeast && typical.runs() > 0);
  }

  private static String joined(Set<ExecutionStatus> statuses) {
    return statuses.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
  }

  private static OffsetDateTime timestamp(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static Map<SearchOrder, String> searchStatements() {
    Map<SearchOrder, String> statements = new EnumMap<>(SearchOrder.class);
    for (SearchOrder order : SearchOrder.values()) {
      statements.put(order, SEARCH.replace("ORDER_BY", order.fragment));
    }
    return Map.copyOf(statements);
  }
}
