package io.agp.api.execution;

import io.agp.api.InvalidRequestException;
import io.agp.api.RequestBodies;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.api.execution.ExecutionQueries.SearchOrder;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.view.ExecutionView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectReader;

/** Many executions: the filtered, paged list and the search by query_id. */
@RestController
@RequestMapping("/v1/async")
class ExecutionListController {

  static final int DEFAULT_LIST_LIMIT = 50;
  static final int MAX_LIST_LIMIT = 1000;
  static final int DEFAULT_SEARCH_LIMIT = 3;
  static final int MAX_SEARCH_LIMIT = 100;
  static final int MAX_SEARCH_ITEMS = 100;

  /** The most executions one search answers with, over all its items. */
  static final int MAX_SEARCH_RESULTS = 1000;

  /** About the most a list page holds, in bytes of JSON; it ends early once over this. */
  static final long MAX_PAGE_BYTES = 2L * 1024 * 1024;

  private final ExecutionQueries queries;
  private final RequestBodies bodies;
  private final Callers callers;
  private final TaggedAnswers tagged;
  private final ObjectReader searchReader;

  ExecutionListController(
      ExecutionQueries queries, RequestBodies bodies, Callers callers, TaggedAnswers tagged) {
    this.queries = queries;
    this.bodies = bodies;
    this.callers = callers;
    this.tagged = tagged;
    this.searchReader = bodies.reader(new TypeReference<List<SearchRequest>>() {});
  }

  /**
   * A page of executions, with an {@code ETag}: sent back in {@code If-None-Match}, it gets a 304
   * while the page is the same (no row of it changed, none came or went).
   */
  // Written as bytes: the mapping, not a converter, refuses what is not JSON (406).
  @GetMapping(path = "/executions", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> list(
      @RequestParam(name = "query_id", required = false) String queryId,
      @RequestParam(name = "status", required = false) List<String> statuses,
      @RequestParam(required = false) String tier,
      @RequestParam(name = "created_by", required = false) String createdBy,
      @RequestParam(required = false) String name,
      @RequestParam(name = "created_after", required = false) String createdAfter,
      @RequestParam(name = "created_before", required = false) String createdBefore,
      @RequestParam(name = "label", required = false) List<String> labels,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor,
      @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
      HttpServletRequest http) {
    Caller caller = callers.current(http);
    int pageSize = limit == null ? DEFAULT_LIST_LIMIT : limit;
    if (pageSize < 1 || pageSize > MAX_LIST_LIMIT) {
      throw new InvalidRequestException("limit", "limit must be between 1 and " + MAX_LIST_LIMIT);
    }
    ExecutionQueries.ListFilter filter =
        new ExecutionQueries.ListFilter(
            // A non-admin lists only the executions they created or joined, whatever they ask for.
            caller.viewer(),
            queryId,
            statuses(statuses, "status", Set.of()),
            tier,
            createdBy,
            name,
            instant(createdAfter, "created_after"),
            instant(createdBefore, "created_before"),
            labels(labels));
    ExecutionQueries.Keyset after = cursor == null ? null : ListCursor.parse(cursor);
    List<Execution> found = queries.list(filter, after, pageSize + 1);
    List<ExecutionView> page = new ArrayList<>();
    long bytes = 0;
    for (Execution execution : found.subList(0, Math.min(pageSize, found.size()))) {
      // A page is bounded in bytes as well as rows: once it holds about MAX_PAGE_BYTES it ends,
      // and its cursor goes on from there.
      if (!page.isEmpty() && bytes > MAX_PAGE_BYTES) {
        break;
      }
      ExecutionView view = ExecutionViews.listed(execution, caller);
      page.add(view);
      bytes += approximateBytes(view);
    }
    boolean more = found.size() > page.size();
    String next = more ? ListCursor.after(found.get(page.size() - 1)) : null;
    return TaggedAnswers.answer(tagged.of(new ExecutionPage(page, next)), ifNoneMatch);
  }

  @PostMapping(path = "/search", consumes = MediaType.APPLICATION_JSON_VALUE)
  List<List<ExecutionView>> search(HttpServletRequest http) throws IOException {
    Caller caller = callers.current(http);
    List<SearchRequest> items = bodies.json(http, searchReader);
    if (items == null) {
      throw new InvalidRequestException(null, "the request body must be a JSON array");
    }
    if (items.size() > MAX_SEARCH_ITEMS) {
      throw new InvalidRequestException(
          null, "a search takes at most " + MAX_SEARCH_ITEMS + " items");
    }
    int total = 0;
    for (SearchRequest item : items) {
      // An item's own limit out of range is refused below, naming the item.
      total +=
          item == null || item.limit() == null
              ? DEFAULT_SEARCH_LIMIT
              : Math.clamp(item.limit(), 0, MAX_SEARCH_LIMIT);
    }
    if (total > MAX_SEARCH_RESULTS) {
      throw new InvalidRequestException(
          null,
          "a search returns at most "
              + MAX_SEARCH_RESULTS
              + " executions in all: the limits of its items add up to "
              + total);
    }
    List<List<ExecutionView>> answers = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      SearchRequest item = items.get(i);
      String at = "[" + i + "].";
      if (item == null || item.queryId() == null || item.queryId().isBlank()) {
        throw new InvalidRequestException(at + "query_id", "query_id is required");
      }
      int limit = item.limit() == null ? DEFAULT_SEARCH_LIMIT : item.limit();
      if (limit < 1 || limit > MAX_SEARCH_LIMIT) {
        throw new InvalidRequestException(
            at + "limit", "limit must be between 1 and " + MAX_SEARCH_LIMIT);
      }
      if (item.statuses() != null && item.statuses().contains(null)) {
        throw new InvalidRequestException(at + "statuses", "a status is null");
      }
      Set<ExecutionStatus> statuses =
          item.statuses() == null || item.statuses().isEmpty()
              ? Set.of(ExecutionStatus.SUCCEEDED)
              : EnumSet.copyOf(item.statuses());
      SearchOrder order = item.sortBy() == null ? SearchOrder.CREATED_AT : item.sortBy();
      answers.add(
          queries
              .search(item.queryId(), item.queryHash(), caller.viewer(), statuses, order, limit)
              .stream()
              .map(execution -> ExecutionViews.listed(execution, caller))
              .toList());
    }
    return answers;
  }

  /**
   * About how many bytes a listed execution takes in JSON: its texts, and a fixed share for the
   * rest (ids, times, progress, result metadata, callback state).
   */
  private static long approximateBytes(ExecutionView view) {
    long bytes = 1024 + view.sql().length() + view.queryId().length();
    if (view.error() != null) {
      bytes += view.error().length();
    }
    if (view.callback() != null) {
      bytes += view.callback().url().length();
      if (view.callback().lastError() != null) {
        bytes += view.callback().lastError().length();
      }
    }
    for (Map.Entry<String, String> label : view.labels().entrySet()) {
      bytes += label.getKey().length() + label.getValue().length() + 8;
    }
    if (view.result() != null) {
      bytes += 64L * view.result().columns().size();
    }
    return bytes;
  }

  private static Set<ExecutionStatus> statuses(
      List<String> names, String field, Set<ExecutionStatus> whenNone) {
    if (names == null || names.isEmpty()) {
      return whenNone;
    }
    Set<ExecutionStatus> statuses = EnumSet.noneOf(ExecutionStatus.class);
    for (String list : names) {
      for (String name : list.split(",")) {
        try {
          statuses.add(ExecutionStatus.valueOf(name.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException(field, "unknown status '" + name.strip() + "'");
        }
      }
    }
    return statuses;
  }

  private static Instant instant(String text, String field) {
    if (text == null) {
      return null;
    }
    OffsetDateTime parsed;
    try {
      parsed = OffsetDateTime.parse(text);
    } catch (DateTimeParseException e) {
      parsed = null;
    }
    // RFC 3339 has four-digit years; java.time also takes +999999999, which PostgreSQL refuses.
    int year = parsed == null ? 0 : parsed.withOffsetSameInstant(ZoneOffset.UTC).getYear();
    if (year < 1 || year > 9999) {
      throw new InvalidRequestException(
          field, field + " must be an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z");
    }
    return parsed.toInstant();
  }

  private static Map<String, String> labels(List<String> pairs) {
    if (pairs == null) {
      return Map.of();
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new InvalidRequestException(
            "label", "a label filter is key=value, got '" + pair + "'");
      }
      labels.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return labels;
  }
}
