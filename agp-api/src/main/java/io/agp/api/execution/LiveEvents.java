package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.api.UserLimits;
import io.agp.api.auth.Caller;
import io.agp.api.sse.EventStream;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.schedule.PeriodicJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Live event streams of executions ({@code text/event-stream}): the current state at once, then
 * each change of status or progress, then the final state, after which the stream ends. Each event
 * carries the execution as a get shows it (with its queue position or estimate as of the event),
 * named {@code status} (the first, and each change of status) or {@code progress}, with an id that
 * names that state, so that a client that reconnects with {@code Last-Event-ID} is not sent again
 * the state it has. A comment every {@code agp.api.events-keep-alive} keeps proxies from closing a
 * quiet stream and finds clients that left.
 */
@Component
class LiveEvents implements SmartLifecycle, PeriodicJob {

  private final ExecutionChanges changes;
  private final UserLimits limits;
  private final ExecutionRepository executions;
  private final ExecutionOutlook outlook;
  private final JsonMapper json;
  private final Duration keepAliveEvery;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean running;

  LiveEvents(
      ExecutionChanges changes,
      ExecutionRepository executions,
      ExecutionOutlook outlook,
      ApiProperties properties,
      UserLimits limits,
      JsonMapper json) {
    this.limits = limits;
    this.json = json;
    this.changes = changes;
    this.executions = executions;
    this.outlook = outlook;
    this.keepAliveEvery = properties.eventsKeepAlive();
  }

  /**
   * The id of the event that shows this state of the execution: a digest of what an event can tell
   * (status, attempt, progress, end), so that a client that comes back with it as {@code
   * Last-Event-ID} is not sent the same state again. A digest rather than a time or a counter: two
   * transactions may commit their changes in another order than they started.
   */
  static String eventId(Execution e) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("every JVM has SHA-256", ex);
    }
    String state =
        e.status()
            + "|"
            + e.attempt()
            + "|"
            + (e.progress() == null ? "" : e.progress().toString())
            + "|"
            + e.completedAt();
    byte[] hash = digest.digest(state.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(hash, 0, 8);
  }

  /**
   * Opens a stream of the execution's events for the caller.
   *
   * @param seen the id of the last event the client received (its Last-Event-ID), or null
   */
  EventStream open(Execution start, Caller caller, String seen) {
    // The stream ends with the execution, or when the client goes away (the keep-alive finds out).
    EventStream events = new EventStream();
    Stream stream = new Stream(events, caller, outlook, json, seen);
    if (start.status().isTerminal()) {
      stream.changed(start);
      events.complete();
      return events;
    }
    UserLimits.Lease lease = limits.open(UserLimits.Kind.EVENT_STREAMS, caller.user());
    ExecutionChanges.Registration registration;
    try {
      registration = changes.watch(start.id(), stream);
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
    Runnable cleanup =
        () -> {
          registration.close();
          streams.remove(stream);
          lease.close();
        };
    events.onEnd(cleanup);
    streams.add(stream);
    stream.changed(start);
    executions.watch(start);
    // A change between the caller's read and the registration was notified to nobody.
    executions.get(start.id()).ifPresent(stream::changed);
    return events;
  }

  /** Open streams of this instance. */
  int open() {
    return streams.size();
  }

  @Override
  public String name() {
    return "event-keep-alive";
  }

  @Override
  public Duration interval() {
    return keepAliveEvery;
  }

  /**
   * Sends a comment down every open stream, so that proxies on the way keep them open.
   *
   * @return how many streams it reached
   */
  @Override
  public Integer runOnce() {
    for (Stream stream : streams) {
      stream.keepAlive();
    }
    return streams.size();
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    streams.forEach(stream -> stream.events.complete());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** One client's stream: what it has been sent, so that nothing goes twice. */
  private static final class Stream implements ExecutionChanges.Watcher {

    private final EventStream events;
    private final Caller caller;
    private final ExecutionOutlook outlook;
    private final JsonMapper json;
    private final String seen;
    private Execution sent;
    private boolean ended;

    Stream(
        EventStream events, Caller caller, ExecutionOutlook outlook, JsonMapper json, String seen) {
      this.events = events;
      this.caller = caller;
      this.outlook = outlook;
      this.json = json;
      this.seen = seen;
    }

    @Override
    public synchronized boolean changed(Execution now) {
      if (ended) {
        return true;
      }
      String id = eventId(now);
      boolean news =
          sent == null
              ? !id.equals(seen)
              : sent.status() != now.status()
                  || sent.attempt() != now.attempt()
                  || !Objects.equals(sent.progress(), now.progress());
      if (news) {
        String name = sent == null || sent.status() != now.status() ? "status" : "progress";
        try {
          events.send(
              name,
              id,
              json.writeValueAsBytes(
                  ExecutionViews.withOutlook(ExecutionViews.of(now, caller), outlook.of(now))));
        } catch (IOException e) {
          // The client is gone: the stream has ended, and its end cleans up.
          ended = true;
          return true;
        }
      }
      if (sent == null || news) {
        // What the client has now: sent just now, or already seen before it came back.
        sent = now;
      }
      if (now.status().isTerminal()) {
        ended = true;
        events.complete();
        return true;
      }
      return false;
    }

    synchronized void keepAlive() {
      if (ended) {
        return;
      }
      try {
        // Every round, whatever else went out: the job's interval is the keep-alive's.
        events.keepAlive(Duration.ZERO);
      } catch (IOException e) {
        ended = true;
      }
    }
  }
}
