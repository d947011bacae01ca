package io.agp.api.schedule;

import io.agp.api.ApiProperties;
import io.agp.api.InvalidRequestException;
import io.agp.api.RequestBodies;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.refresh.NewSchedule;
import io.agp.refresh.Schedule;
import io.agp.refresh.ScheduleRepository;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Schedules: queries the bookkeeper runs again and again so that their results stay fresh. Each
 * belongs to the user who made it; admins see and change every one. Another user's schedule is the
 * same 404 as one that does not exist.
 */
@RestController
@RequestMapping("/v1/schedules")
class ScheduleController {

  static final int DEFAULT_LIST_LIMIT = 50;
  static final int MAX_LIST_LIMIT = 500;

  private final ScheduleRepository schedules;
  private final ScheduleDefinitions definitions;
  private final RequestBodies bodies;
  private final Callers callers;
  private final ApiProperties properties;
  private final TransactionTemplate transaction;
  private final Clock clock;

  ScheduleController(
      ScheduleRepository schedules,
      ScheduleDefinitions definitions,
      RequestBodies bodies,
      Callers callers,
      ApiProperties properties,
      TransactionTemplate transaction,
      Clock clock) {
    this.schedules = schedules;
    this.definitions = definitions;
    this.bodies = bodies;
    this.callers = callers;
    this.properties = properties;
    this.transaction = transaction;
    this.clock = clock;
  }

  @PostMapping(
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ScheduleView> create(HttpServletRequest http) throws IOException {
    Caller caller = callers.current(http);
    ScheduleRequest request = bodies.json(http, ScheduleRequest.class);
    NewSchedule schedule =
        definitions.define(request, caller, caller.user(), caller.quotaKey(), false, now());
    int limit = properties.schedules().maxPerUser();
    Long id =
        transaction.execute(
            status -> {
              schedules.lockOwner(caller.user());
              if (schedules.countOfOwner(caller.user()) >= limit) {
                throw new TooManySchedulesException(limit);
              }
              return schedules.create(schedule);
            });
    return ResponseEntity.created(URI.create("/v1/schedules/" + id)).body(view(id, caller));
  }

  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  SchedulePage list(
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor,
      HttpServletRequest http) {
    Caller caller = callers.current(http);
    int size = limit == null ? DEFAULT_LIST_LIMIT : limit;
    if (size < 1 || size > MAX_LIST_LIMIT) {
      throw new InvalidRequestException("limit", "limit must be between 1 and " + MAX_LIST_LIMIT);
    }
    long before = cursor == null ? Long.MAX_VALUE : cursor(cursor);
    List<Schedule> page = schedules.list(caller.owner(), before, size + 1);
    String next = null;
    if (page.size() > size) {
      page = page.subList(0, size);
      next = Long.toString(page.getLast().id());
    }
    return new SchedulePage(page.stream().map(ScheduleView::of).toList(), next);
  }

  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  ScheduleView get(@PathVariable long id, HttpServletRequest http) {
    return view(id, callers.current(http));
  }

  /** Replaces what the schedule runs and when; its next run is the first of the new cadence. */
  @PutMapping(
      path = "/{id}",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ScheduleView replace(@PathVariable long id, HttpServletRequest http) throws IOException {
    Caller caller = callers.current(http);
    Schedule existing = find(id, caller);
    ScheduleRequest request = bodies.json(http, ScheduleRequest.class);
    // An admin's change keeps the schedule its owner's, with the owner's quota key.
    String quotaKey =
        existing.owner().equals(caller.user()) ? caller.quotaKey() : existing.quotaKey();
    NewSchedule schedule =
        definitions.define(request, caller, existing.owner(), quotaKey, existing.paused(), now());
    if (!schedules.update(id, caller.owner(), schedule)) {
      throw new ScheduleNotFoundException(id);
    }
    return view(id, caller);
  }

  /** Answers no body: any Accept will do (a client may ask for problem+json alone). */
  @DeleteMapping("/{id}")
  ResponseEntity<Void> delete(@PathVariable long id, HttpServletRequest http) {
    if (!schedules.delete(id, callers.current(http).owner())) {
      throw new ScheduleNotFoundException(id);
    }
    return ResponseEntity.noContent().build();
  }

  /** Stops the runs until a resume; the execution in flight, if any, goes on. */
  @PostMapping(path = "/{id}/pause", produces = MediaType.APPLICATION_JSON_VALUE)
  ScheduleView pause(@PathVariable long id, HttpServletRequest http) {
    Caller caller = callers.current(http);
    if (!schedules.setPaused(id, caller.owner(), true, null)) {
      throw new ScheduleNotFoundException(id);
    }
    return view(id, caller);
  }

  /**
   * Runs the schedule again from its cadence's first instant after now (at once for an interval):
   * the runs missed while paused are not made up.
   */
  @PostMapping(path = "/{id}/resume", produces = MediaType.APPLICATION_JSON_VALUE)
  ScheduleView resume(@PathVariable long id, HttpServletRequest http) {
    Caller caller = callers.current(http);
    Schedule existing = find(id, caller);
    Instant next = existing.cadence().first(now());
    if (!schedules.setPaused(id, caller.owner(), false, next)) {
      throw new ScheduleNotFoundException(id);
    }
    return view(id, caller);
  }

  private Schedule find(long id, Caller caller) {
    return schedules.get(id, caller.owner()).orElseThrow(() -> new ScheduleNotFoundException(id));
  }

  private ScheduleView view(long id, Caller caller) {
    return ScheduleView.of(find(id, caller));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private static long cursor(String cursor) {
    try {
      long id = Long.parseLong(cursor);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // Falls through to the refusal.
    }
    throw new InvalidRequestException("cursor", "the cursor is not one this API wrote");
  }
}
