package io.agp.api.interactive;

import io.agp.api.ApiProperties;
import io.agp.api.sse.EventStream;
import io.agp.clickhouse.ClickHouseClient;
import io.agp.execution.Progress;
import io.agp.schedule.PeriodicJob;
import io.agp.view.ExecutionView;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The progress events of the synchronous runs that stream events: every {@code
 * agp.api.interactive.progress-interval}, one {@code system.processes} query per ClickHouse node
 * for all the runs on it, and a {@code progress} event to each run whose progress changed. A run
 * quiet for the keep-alive interval gets a comment, whose failed write finds a client that left.
 * Once a run's progress has ended (its final event goes next), the feed sends it nothing more.
 */
@Component
class ProgressFeed implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(ProgressFeed.class);

  private final Duration interval;
  private final Duration keepAlive;
  private final JsonMapper json;
  private final Set<Followed> followed = ConcurrentHashMap.newKeySet();

  ProgressFeed(ApiProperties properties, JsonMapper json) {
    this.interval = properties.interactive().progressInterval();
    this.keepAlive = properties.eventsKeepAlive();
    this.json = json;
  }

  /** Sends the query's progress to the stream until the returned handle is closed. */
  Followed follow(RunningQuery query, EventStream events) {
    Followed f = new Followed(query, events);
    followed.add(f);
    return f;
  }

  @Override
  public String name() {
    return "sync-progress";
  }

  @Override
  public Duration interval() {
    return interval;
  }

  /**
   * One round: reads the progress of every followed query and sends what changed.
   *
   * @return how many queries it followed
   */
  @Override
  public Integer runOnce() {
    Map<ClickHouseClient, List<Followed>> byNode = new HashMap<>();
    for (Followed f : followed) {
      ClickHouseClient node = f.query.node();
      if (node != null) {
        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(f);
      }
    }
    for (Map.Entry<ClickHouseClient, List<Followed>> entry : byNode.entrySet()) {
      Map<String, Progress> read;
      try {
        read =
            entry
                .getKey()
                .system()
                .progress(entry.getValue().stream().map(f -> f.query.queryId()).toList());
      } catch (RuntimeException e) {
        log.debug("could not read the progress of interactive queries", e);
        read = Map.of();
      }
      for (Followed f : entry.getValue()) {
        f.deliver(read.get(f.query.queryId()));
      }
    }
    for (Followed f : followed) {
      f.keepAlive();
    }
    return followed.size();
  }

  /** One followed query. */
  final class Followed implements AutoCloseable {

    private final RunningQuery query;
    private final EventStream events;
    private Progress last;
    private boolean over;

    private Followed(RunningQuery query, EventStream events) {
      this.query = query;
      this.events = events;
    }

    private synchronized void deliver(Progress now) {
      if (over || now == null || Objects.equals(now, last)) {
        return;
      }
      last = now;
      try {
        events.send("progress", null, json.writeValueAsBytes(ExecutionView.ProgressView.of(now)));
      } catch (IOException e) {
        gone();
      }
    }

    private synchronized void keepAlive() {
      if (over) {
        return;
      }
      try {
        events.keepAlive(keepAlive);
      } catch (IOException e) {
        gone();
      }
    }

    private void gone() {
      followed.remove(this);
      query.kill();
    }

    /** Stops the events of this query; one being sent is finished first. */
    @Override
    public synchronized void close() {
      over = true;
      followed.remove(this);
    }
  }
}
