package io.agp.api.usage;

import io.agp.api.ForbiddenException;
import io.agp.api.InvalidRequestException;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.api.usage.UsageQueries.Figure;
import io.agp.api.usage.UsageQueries.Granularity;
import io.agp.api.usage.UsageQueries.Grouping;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/usage}: what users ran and read, per UTC day (or hour), tier and user, or totals
 * per user or per tier over a range, as JSON or CSV. Read from the rollups the bookkeeper keeps
 * ({@link UsageQueries}), never from the executions. A caller sees only their own usage, however
 * they group it; an admin any user's, and the top users by a figure.
 */
@RestController
class UsageController {

  /** The longest range one request covers, in days. */
  static final int MAX_DAYS = 400;

  /** The range when none is given: the last seven UTC days, today included. */
  static final int DEFAULT_DAYS = 7;

  static final int MAX_TOP = 1000;

  /**
   * The most rows an answer holds without {@code top}; beyond, it ends there and says so ({@code
   * truncated}).
   */
  static final int MAX_ROWS = 10_000;

  static final MediaType TEXT_CSV = new MediaType("text", "csv", StandardCharsets.UTF_8);

  private final UsageQueries queries;
  private final Callers callers;
  private final Clock clock;
  private final JsonMapper json;

  UsageController(UsageQueries queries, Callers callers, Clock clock, JsonMapper json) {
    this.queries = queries;
    this.callers = callers;
    this.clock = clock;
    this.json = json;
  }

  // Written as bytes: JSON or CSV as the request asks, whatever converters there are.
  @GetMapping(
      path = "/v1/usage",
      produces = {MediaType.APPLICATION_JSON_VALUE, "text/csv"})
  ResponseEntity<byte[]> usage(
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String tier,
      @RequestParam(required = false) String user,
      @RequestParam(required = false) String granularity,
      @RequestParam(name = "group_by", required = false) String groupBy,
      @RequestParam(required = false) String top,
      @RequestParam(name = "order_by", required = false) String orderBy,
      @RequestParam(required = false) String format,
      HttpServletRequest http) {
    Caller caller = callers.current(http);
    boolean csv = csv(format, http);
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    LocalDate last = date("to", to);
    LocalDate first = date("from", from);
    if (last == null) {
      last = first == null || first.isBefore(today) ? today : first;
    }
    if (first == null) {
      first = last.minusDays(DEFAULT_DAYS - 1);
    }
    if (first.isAfter(last)) {
      throw new InvalidRequestException("from", "from (" + first + ") is after to (" + last + ")");
    }
    if (ChronoUnit.DAYS.between(first, last) + 1 > MAX_DAYS) {
      throw new InvalidRequestException(
          "to", "a usage question covers at most " + MAX_DAYS + " days; narrow from and to");
    }
    Granularity grain = choice("granularity", granularity, Granularity.class, Granularity.DAY);
    Grouping grouping = choice("group_by", groupBy, Grouping.class, Grouping.DAY);
    Figure order = choice("order_by", orderBy, Figure.class, null);
    Integer topN = top(top);
    if (topN != null && order == null) {
      order = Figure.READ_BYTES;
    }
    UsageQueries.Filter filter =
        new UsageQueries.Filter(first, last, blankToNull(tier), owner(caller, user));
    int limit = topN != null ? topN : MAX_ROWS + 1;
    List<UsageQueries.Row> found = queries.find(grain, grouping, filter, order, limit);
    boolean truncated = topN == null && found.size() > MAX_ROWS;
    List<UsageRowView> rows =
        found.subList(0, Math.min(found.size(), MAX_ROWS)).stream().map(UsageRowView::of).toList();
    HttpHeaders headers = new HttpHeaders();
    if (csv) {
      headers.setContentType(TEXT_CSV);
      return ResponseEntity.ok().headers(headers).body(UsageCsv.write(rows));
    }
    headers.setContentType(MediaType.APPLICATION_JSON);
    UsageView view =
        new UsageView(
            first.toString(),
            last.toString(),
            grain.name().toLowerCase(Locale.ROOT),
            grouping.name().toLowerCase(Locale.ROOT),
            rows,
            truncated);
    return ResponseEntity.ok().headers(headers).body(json.writeValueAsBytes(view));
  }

  /**
   * The user whose rows the caller may read: any (or all, null) for an admin, only themselves for
   * anyone else, whatever they ask for.
   */
  private static String owner(Caller caller, String user) {
    String asked = blankToNull(user);
    if (caller.admin()) {
      return asked;
    }
    if (asked != null && !asked.equals(caller.user())) {
      throw new ForbiddenException("user", "only admins see the usage of another user");
    }
    return caller.user();
  }

  /** CSV when {@code format=csv}, or when no format is given and the client prefers text/csv. */
  private static boolean csv(String format, HttpServletRequest http) {
    if (format != null) {
      return switch (format.toLowerCase(Locale.ROOT)) {
        case "csv" -> true;
        case "json" -> false;
        default -> throw new InvalidRequestException("format", "format is json or csv");
      };
    }
    // An explicit text/csv wanted more than JSON (a generated client lists both, JSON first, at
    // the same weight); wildcards mean JSON.
    double csvQuality = 0;
    double jsonQuality = 0;
    Enumeration<String> accept = http.getHeaders(HttpHeaders.ACCEPT);
    while (accept.hasMoreElements()) {
      List<MediaType> types;
      try {
        types = MediaType.parseMediaTypes(accept.nextElement());
      } catch (IllegalArgumentException e) {
        return false;
      }
      for (MediaType type : types) {
        if (type.getType().equals("text") && type.getSubtype().equals("csv")) {
          csvQuality = Math.max(csvQuality, type.getQualityValue());
        } else if (type.getType().equals("application") && type.getSubtype().equals("json")) {
          jsonQuality = Math.max(jsonQuality, type.getQualityValue());
        }
      }
    }
    return csvQuality > jsonQuality;
  }

  private static LocalDate date(String name, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return LocalDate.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new InvalidRequestException(
          name, name + " is a UTC date like 2026-12-07, not '" + shortened(value) + "'");
    }
  }

  private static Integer top(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    int n;
    try {
      n = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      n = 0;
    }
    if (n < 1 || n > MAX_TOP) {
      throw new InvalidRequestException("top", "top is a whole number from 1 to " + MAX_TOP);
    }
    return n;
  }

  private static <E extends Enum<E>> E choice(
      String name, String value, Class<E> type, E otherwise) {
    if (value == null || value.isBlank()) {
      return otherwise;
    }
    try {
      return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          name,
          name
              + " is one of "
              + String.join(
                  ", ",
                  Arrays.stream(type.getEnumConstants())
                      .map(c -> c.name().toLowerCase(Locale.ROOT))
                      .toList()));
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String shortened(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "…" : value;
  }
}
