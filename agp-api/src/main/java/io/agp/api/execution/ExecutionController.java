package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.api.ForbiddenException;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestBodies;
import io.agp.api.UserLimits;
import io.agp.api.auth.Caller;
import io.agp.api.auth.EventTokens;
import io.agp.api.budget.BudgetAnswers;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionHop;
import io.agp.execution.ExecutionRepository;
import io.agp.view.ExecutionView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** One execution: create (or collapse, reuse, replace), get, its live events, cancel. */
@RestController
@RequestMapping("/v1/async")
class ExecutionController {

  private final ExecutionRepository executions;
  private final ExecutionCreator creator;
  private final ExecutionWaiter waiter;
  private final RequestBodies bodies;
  private final VisibleExecutions visible;
  private final LiveEvents events;
  private final ExecutionOutlook outlook;
  private final ApiProperties properties;
  private final TaggedAnswers tagged;
  private final EventTokens eventTokens;
  private final SettledExecutions settled;
  private final Clock clock;
  private final BudgetAnswers budgets;

  ExecutionController(
      ExecutionRepository executions,
      ExecutionCreator creator,
      ExecutionWaiter waiter,
      RequestBodies bodies,
      VisibleExecutions visible,
      LiveEvents events,
      ExecutionOutlook outlook,
      ApiProperties properties,
      TaggedAnswers tagged,
      EventTokens eventTokens,
      SettledExecutions settled,
      Clock clock,
      BudgetAnswers budgets) {
    this.executions = executions;
    this.creator = creator;
    this.waiter = waiter;
    this.bodies = bodies;
    this.visible = visible;
    this.events = events;
    this.outlook = outlook;
    this.properties = properties;
    this.tagged = tagged;
    this.eventTokens = eventTokens;
    this.settled = settled;
    this.clock = clock;
    this.budgets = budgets;
  }

  // A create or cancel the client cannot read the answer of is refused (406) before it runs, not
  // after: a refused request changes nothing.
  @PostMapping(
      path = "/executions",
      consumes = MediaType.TEXT_PLAIN_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> createFromText(
      @RequestParam(name = "query_id", required = false) String queryId,
      @RequestParam(required = false) String name,
      @RequestParam(required = false) String tier,
      @RequestParam(required = false) String format,
      @RequestParam(name = "max_age", required = false) Long maxAge,
      @RequestParam(required = false) Boolean replace,
      @RequestParam(name = "callback_url", required = false) String callbackUrl,
      @RequestParam(required = false) Integer wait,
      HttpServletRequest http)
      throws IOException {
    Duration waitFor = waiter.check(wait);
    String sql = bodies.sql(http);
    return create(
        new CreateExecutionRequest(
            sql, queryId, name, tier, format, null, maxAge, replace, null, callbackUrl),
        waitFor,
        http);
  }

  @PostMapping(
      path = "/executions",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> createFromJson(
      @RequestParam(name = "query_id", required = false) String queryId,
      @RequestParam(required = false) Integer wait,
      HttpServletRequest http)
      throws IOException {
    Duration waitFor = waiter.check(wait);
    CreateExecutionRequest request = bodies.json(http, CreateExecutionRequest.class);
    if (request == null) {
      throw new InvalidRequestException("sql", "the request body is empty");
    }
    if (request.queryId() == null && queryId != null) {
      request = request.withQueryId(queryId);
    }
    return create(request, waitFor, http);
  }

  /**
   * The execution, with an {@code ETag}: a client that sends it back in {@code If-None-Match} gets
   * a 304 while the answer is the same. With {@code wait} as well, the wait starts only when the
   * execution is still as the client has it (else the new state is answered at once), and one that
   * ends with no change is a 304. A settled execution is answered from its copy in memory, with no
   * statement and no wait (it has ended). On a tier with budgets, the caller's remaining budget
   * comes in headers, read at most a second ago.
   */
  @GetMapping(path = "/executions/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> get(
      @PathVariable long id,
      @RequestParam(required = false) Integer wait,
      @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
      HttpServletRequest http) {
    Duration waitFor = waiter.check(wait);
    Caller caller = visible.caller(http);
    TaggedAnswers.Tagged kept = settled.answer(id, caller, withReaders(caller));
    if (kept != null) {
      // The copy's tier, looked up again only where some tier has budgets.
      Execution copy = budgets.anyTier() ? settled.find(id, caller) : null;
      return withBudget(TaggedAnswers.answer(kept, ifNoneMatch), copy, caller);
    }
    // The answer to the first read, kept for a wait that ends on it.
    Execution[] first = {null};
    TaggedAnswers.Tagged[] firstAnswer = {null};
    Predicate<Execution> held =
        ifNoneMatch == null
            ? read -> true
            : read -> {
              first[0] = read;
              firstAnswer[0] = answer(read, caller);
              return TaggedAnswers.held(ifNoneMatch, firstAnswer[0].etag());
            };
    Execution execution =
        waiter.readUntilChanged(
            id, caller.viewer(), caller.user(), () -> visible.find(id, caller), waitFor, held);
    TaggedAnswers.Tagged tagged =
        execution == first[0] ? firstAnswer[0] : answer(execution, caller);
    return withBudget(TaggedAnswers.answer(tagged, ifNoneMatch), execution, caller);
  }

  /** The answer with the caller's remaining budget on the execution's tier, if it has any. */
  private ResponseEntity<byte[]> withBudget(
      ResponseEntity<byte[]> answer, Execution execution, Caller caller) {
    if (execution == null || !budgets.any(execution.tier())) {
      return answer;
    }
    return ResponseEntity.status(answer.getStatusCode())
        .headers(answer.getHeaders())
        .headers(budgets.current(execution.tier(), caller.user()))
        .body(answer.getBody());
  }

  private TaggedAnswers.Tagged answer(Execution execution, Caller caller) {
    ExecutionView view =
        withReaders(caller)
            ? ExecutionViews.withReaders(execution, caller, executions.readers(execution.id()))
            : ExecutionViews.of(execution, caller);
    ExecutionOutlook.Outlook now = outlook.of(execution);
    ExecutionView shown = ExecutionViews.withOutlook(view, now);
    // The remaining time runs down with the clock alone: the tag leaves it out, so that polls (and
    // waits) of a running execution whose row did not move are answered 304.
    return now.estimate() == null
        ? tagged.of(shown)
        : tagged.of(shown, ExecutionViews.withOutlook(view, now.withoutRemaining()));
  }

  /** Readers mean something only where users are told apart by their tokens. */
  private boolean withReaders(Caller caller) {
    return caller.admin() && properties.auth().mode() == ApiProperties.AuthMode.JWT;
  }

  /**
   * The execution's live events ({@code text/event-stream}): see {@link LiveEvents}. The same
   * visibility as a get; with {@code Last-Event-ID}, the state the client has is not sent again.
   */
  @GetMapping(path = "/executions/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  ResponseEntity<SseEmitter> events(
      @PathVariable long id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      HttpServletRequest http) {
    Caller caller = visible.caller(http);
    return events.open(visible.find(id, caller), caller, lastEventId).response();
  }

  /**
   * A short-lived token that opens this execution's event stream as the caller, as its {@code
   * access_token} parameter: for a browser's {@code EventSource}, which cannot send a bearer token.
   */
  @PostMapping(path = "/executions/{id}/events/token", produces = MediaType.APPLICATION_JSON_VALUE)
  EventTokenView eventToken(@PathVariable long id, HttpServletRequest http) {
    Caller caller = visible.caller(http);
    Execution execution = visible.find(id, caller);
    EventTokens.Minted minted = eventTokens.mint(execution.id(), caller);
    String url =
        ServletUriComponentsBuilder.fromCurrentContextPath()
            .path("/v1/async/executions/{id}/events")
            .queryParam("access_token", minted.token())
            .buildAndExpand(execution.id())
            .toUriString();
    return new EventTokenView(minted.token(), minted.expiresAt(), url);
  }

  /** An event-stream token, and the stream's URL with it. */
  record EventTokenView(String accessToken, Instant expiresAt, String eventsUrl) {}

  /**
   * Cancels an execution the caller created (any, for an admin). A user who only joined it sees it
   * but may not cancel it (403): others share it.
   */
  @PostMapping(path = "/executions/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  ExecutionView cancel(@PathVariable long id, HttpServletRequest http) {
    Caller caller = visible.caller(http);
    Execution execution = visible.find(id, caller);
    if (caller.owner() != null && !caller.owner().equals(execution.createdBy())) {
      throw new ForbiddenException(
          null,
          "execution "
              + id
              + " was created by another user: only they (or an admin) may cancel it");
    }
    return executions
        .cancel(id, caller.owner())
        .map(canceled -> ExecutionViews.of(canceled, caller))
        .orElseThrow(() -> new ExecutionNotInFlightException(visible.find(id, caller)));
  }

  private ResponseEntity<byte[]> create(
      CreateExecutionRequest request, Duration wait, HttpServletRequest http) {
    Caller caller = visible.caller(http);
    ExecutionChanges.Mark mark = waiter.mark();
    ExecutionCreator.Outcome outcome = creator.create(request, caller, !wait.isZero());
    ExecutionHop.mark(outcome.execution().id(), ExecutionHop.Step.CREATED);
    Execution execution;
    try {
      execution = waiter.untilEnded(outcome.execution(), mark, caller.user(), wait);
    } catch (TooManyWatchersException | UserLimits.TooManyOpenException e) {
      // The execution exists: answer it as it is rather than a 429 that reads as "not created".
      execution = outcome.execution();
    }
    // The caller created, joined or reused it, so may see it: the download and the polls that
    // follow a wait are answered from a settled execution's copy, with no statement.
    settled.remember(execution, caller);
    ExecutionView view =
        ExecutionViews.of(withExecution(outcome, execution), clock.instant(), caller);
    ExecutionHop.mark(execution.id(), ExecutionHop.Step.ANSWERED_CLIENT);
    HttpHeaders budget =
        outcome instanceof ExecutionCreator.Outcome.Created created && created.budget() != null
            ? budgets.charged(created.budget(), caller.user())
            : budgets.current(execution.tier(), caller.user());
    return (outcome instanceof ExecutionCreator.Outcome.Created
            ? ResponseEntity.created(URI.create("/v1/async/executions/" + execution.id()))
            : ResponseEntity.ok())
        .headers(budget)
        .contentType(MediaType.APPLICATION_JSON)
        .body(tagged.bytes(view));
  }

  private static ExecutionCreator.Outcome withExecution(
      ExecutionCreator.Outcome outcome, Execution now) {
    return switch (outcome) {
      case ExecutionCreator.Outcome.Created c ->
          new ExecutionCreator.Outcome.Created(now, c.replaced(), c.budget());
      case ExecutionCreator.Outcome.Collapsed c -> new ExecutionCreator.Outcome.Collapsed(now);
      case ExecutionCreator.Outcome.Reused r -> r;
    };
  }
}
