package io.agp.api.interactive;

import io.agp.api.AnswerCompression;
import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestBodies;
import io.agp.api.RequestFields;
import io.agp.api.SqlTooLargeException;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.api.auth.TierAccess;
import io.agp.api.budget.BudgetAnswers;
import io.agp.api.sse.EventStream;
import io.agp.clickhouse.ClickHouseException;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.tier.UnsupportedQueryException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/sync/run}: runs a query at once on the caller's tier, without a queue, and
 * answers with its result streamed straight through in the requested format; or, asked for {@code
 * text/event-stream} (or {@code stream=true}), with {@code progress} events while it runs and then
 * one {@code result} event holding the rows as ClickHouse's JSON, or an {@code error} event. A
 * client that leaves has its query killed (see {@link ClientWatch}).
 */
@RestController
@RequestMapping("/v1/sync")
class SyncRunController implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(SyncRunController.class);

  /** The prefix of the ClickHouse query_id of a synchronous run. */
  static final String QUERY_ID_PREFIX = "agp-sync-";

  private static final String PARAMETER_PREFIX = "param_";
  private static final int BUFFER = 64 * 1024;

  private final Callers callers;
  private final RequestBodies bodies;
  private final InteractiveQueries queries;
  private final ClientWatch watch;
  private final ProgressFeed progress;
  private final ApiProperties properties;
  private final JsonMapper json;
  private final BudgetAnswers budgets;
  // An event stream's run: the request's thread has handed the response to Spring's emitter.
  private final ExecutorService runs =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sync-run-", 0).factory());

  SyncRunController(
      Callers callers,
      RequestBodies bodies,
      InteractiveQueries queries,
      ClientWatch watch,
      ProgressFeed progress,
      ApiProperties properties,
      JsonMapper json,
      BudgetAnswers budgets) {
    this.callers = callers;
    this.bodies = bodies;
    this.queries = queries;
    this.watch = watch;
    this.progress = progress;
    this.properties = properties;
    this.json = json;
    this.budgets = budgets;
  }

  /**
   * The SQL as the body; parameters as {@code param_<name>} URL parameters, as ClickHouse takes.
   */
  @PostMapping(path = "/run", consumes = MediaType.TEXT_PLAIN_VALUE)
  ResponseEntity<SseEmitter> runText(
      @RequestParam(required = false) String tier,
      @RequestParam(required = false) String format,
      @RequestParam(required = false) Boolean stream,
      HttpServletRequest http,
      HttpServletResponse response)
      throws IOException {
    String sql = bodies.sql(http);
    return run(new SyncRunRequest(sql, tier, format, urlParameters(http)), stream, http, response);
  }

  @PostMapping(path = "/run", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<SseEmitter> runJson(
      @RequestParam(required = false) Boolean stream,
      HttpServletRequest http,
      HttpServletResponse response)
      throws IOException {
    SyncRunRequest request = bodies.json(http, SyncRunRequest.class);
    if (request == null) {
      throw new InvalidRequestException("sql", "the request body is empty");
    }
    return run(request, stream, http, response);
  }

  /** The event stream, or null when the result went straight into the response. */
  private ResponseEntity<SseEmitter> run(
      SyncRunRequest request, Boolean stream, HttpServletRequest http, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current(http);
    boolean events = stream != null ? stream : acceptsEvents(http);
    ResultFormat format = format(request.format(), events);
    String sql = request.sql() == null ? "" : QueryHash.normalize(request.sql());
    if (sql.getBytes(StandardCharsets.UTF_8).length > properties.maxSqlSize().toBytes()) {
      throw new SqlTooLargeException(properties.maxSqlSize());
    }
    Map<String, String> parameters = parameters(request.parameters());
    String tier =
        request.tier() != null
            ? request.tier()
            : TierAccess.tierOf(caller, properties.defaultTier());
    RunningQuery query =
        queries.prepare(
            InteractiveQueries.Api.SYNC, caller, tier, sql, QUERY_ID_PREFIX + UUID.randomUUID());
    // What remains of the caller's budgets after this run's charge, when the tier has budgets.
    HttpHeaders budget =
        query.budget() == null ? HttpHeaders.EMPTY : budgets.charged(query.budget(), caller.user());
    ClientConnections.ClientConnection client = ClientConnections.of(http);
    if (events) {
      return streamEvents(query, sql, parameters, client, budget);
    }
    try (query;
        ClientWatch.Watched watched = watch.watch(client, query::kill)) {
      streamResult(http, query, sql, format, parameters, client, response, budget);
    }
    return null;
  }

  /** The result as ClickHouse writes it, passed on as it comes. */
  private void streamResult(
      HttpServletRequest http,
      RunningQuery query,
      String sql,
      ResultFormat format,
      Map<String, String> parameters,
      ClientConnections.ClientConnection client,
      HttpServletResponse response,
      HttpHeaders budget) {
    ClickHouseResponse answer;
    try {
      answer =
          query.send(
              parameters,
              null,
              (node, settings) ->
                  node.execute(query.queryId(), sql + "\nFORMAT " + format.name(), settings));
    } catch (RunningQuery.ClientGoneException e) {
      return;
    }
    // A result goes out as ClickHouse writes it, as a download does: never compressed on the way.
    AnswerCompression.sendAsIs(http);
    response.setStatus(HttpStatus.OK.value());
    response.setContentType(format.contentType());
    if (format.contentType().startsWith("text/") || format.contentType().contains("json")) {
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    }
    response.setHeader("X-AGP-Query-Id", query.queryId());
    response.setHeader("X-AGP-Tier", query.tierName());
    budget.forEach((name, values) -> response.setHeader(name, values.getFirst()));
    Relay.copy(query, answer.body(), response, client);
  }

  /**
   * Progress events while the query runs, then the result (or an error) as one event: the query
   * runs on a thread of its own, which owns the query from here on.
   */
  private ResponseEntity<SseEmitter> streamEvents(
      RunningQuery query,
      String sql,
      Map<String, String> parameters,
      ClientConnections.ClientConnection client,
      HttpHeaders budget) {
    EventStream events = new EventStream();
    ClientWatch.Watched watched = watch.watch(client, query::kill);
    // Before the request's objects are reused, however the stream ended.
    events.onEnd(watched::close);
    try {
      runs.execute(
          () -> {
            try (query;
                watched) {
              runEvents(query, sql, parameters, events);
            } catch (RuntimeException e) {
              log.error("synchronous run {} failed", query.queryId(), e);
            } finally {
              events.complete();
            }
          });
    } catch (RuntimeException e) {
      watched.close();
      query.close();
      throw e;
    }
    HttpHeaders headers = new HttpHeaders();
    headers.set("X-AGP-Query-Id", query.queryId());
    headers.set("X-AGP-Tier", query.tierName());
    headers.addAll(budget);
    return events.response(headers);
  }

  private void runEvents(
      RunningQuery query, String sql, Map<String, String> parameters, EventStream events) {
    try {
      // The client has the query's id before the query runs.
      events.flush();
    } catch (IOException e) {
      query.kill();
      return;
    }
    long limit = properties.interactive().maxEventResult().toBytes();
    ByteArrayOutputStream result = new ByteArrayOutputStream();
    try (ProgressFeed.Followed followed = progress.follow(query, events)) {
      try (ClickHouseResponse answer =
          query.send(
              parameters,
              null,
              (node, settings) ->
                  node.execute(
                      query.queryId(), sql + "\nFORMAT " + ResultFormat.JSON.name(), settings))) {
        InputStream body = answer.body();
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = body.read(buffer)) >= 0) {
          if (result.size() + n > limit) {
            query.stop(RunningQuery.Outcome.FAILED);
            followed.close();
            error(
                events,
                HttpStatus.CONTENT_TOO_LARGE,
                "the result is larger than "
                    + properties.interactive().maxEventResult()
                    + ", the most a result event carries; run the query as an execution (POST"
                    + " /v1/async/executions) and download its result",
                null);
            return;
          }
          result.write(buffer, 0, n);
        }
      }
      followed.close();
      events.send("result", null, result.toByteArray());
      query.passed(result.size());
      query.ended(RunningQuery.Outcome.SUCCEEDED);
    } catch (RunningQuery.ClientGoneException e) {
      // Nobody to tell.
    } catch (ClickHouseException e) {
      if (!query.killed()) {
        query.ended(RunningQuery.Outcome.FAILED);
        error(
            events,
            e.isTransient() ? HttpStatus.BAD_GATEWAY : HttpStatus.BAD_REQUEST,
            e.getMessage(),
            e.code());
      }
    } catch (UnsupportedQueryException e) {
      error(events, HttpStatus.BAD_REQUEST, e.getMessage(), null);
    } catch (IOException e) {
      // A failed write (the client left) or a broken connection to ClickHouse.
      if (!query.killed()) {
        query.kill();
      }
    }
  }

  /** The final {@code error} event: a problem object, as the API's errors are. */
  private void error(EventStream events, HttpStatus status, String detail, Integer code) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", status.getReasonPhrase());
    problem.put("status", status.value());
    problem.put("detail", detail);
    if (code != null && code > 0) {
      problem.put("clickhouse_code", code);
    }
    try {
      events.send("error", null, json.writeValueAsBytes(problem));
    } catch (IOException e) {
      // The client left: nothing more to tell it.
    }
  }

  private static boolean acceptsEvents(HttpServletRequest http) {
    Enumeration<String> accept = http.getHeaders(HttpHeaders.ACCEPT);
    while (accept.hasMoreElements()) {
      for (MediaType type : MediaType.parseMediaTypes(accept.nextElement())) {
        if (type.getType().equals("text") && type.getSubtype().equals("event-stream")) {
          return true;
        }
      }
    }
    return false;
  }

  private static ResultFormat format(String name, boolean events) {
    ResultFormat format = RequestFields.format(name);
    if (events && format != ResultFormat.JSON) {
      throw new InvalidRequestException(
          "format",
          "an event stream carries the result as JSON; leave format out, or ask for the result"
              + " itself (no stream) to get "
              + format.name());
    }
    return format;
  }

  private static Map<String, String> parameters(Map<String, String> given) {
    if (given == null) {
      return Map.of();
    }
    for (Map.Entry<String, String> entry : given.entrySet()) {
      if (entry.getValue() == null) {
        throw new InvalidRequestException(
            "parameters." + entry.getKey(), "the values of parameters must be strings, not null");
      }
    }
    return given;
  }

  /** The {@code param_<name>} URL parameters of a text/plain run, by name. */
  private static Map<String, String> urlParameters(HttpServletRequest http) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> entry : http.getParameterMap().entrySet()) {
      String name = entry.getKey();
      if (name.startsWith(PARAMETER_PREFIX) && name.length() > PARAMETER_PREFIX.length()) {
        List<String> values = List.of(entry.getValue());
        parameters.put(name.substring(PARAMETER_PREFIX.length()), values.getFirst());
      }
    }
    return parameters;
  }

  @Override
  public void destroy() {
    runs.shutdown();
  }
}
