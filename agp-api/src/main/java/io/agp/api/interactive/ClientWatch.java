package io.agp.api.interactive;

import io.agp.api.ApiProperties;
import io.agp.schedule.PeriodicJob;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Looks at the connections of the clients waiting for interactive queries every {@code
 * agp.api.interactive.client-check}, and stops the query of one that has gone: ClickHouse would
 * otherwise compute a result nobody reads until the query's first write fails, which for an
 * aggregate can be its whole run time.
 */
@Component
class ClientWatch implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(ClientWatch.class);

  private final Duration interval;
  private final Set<Watched> watched = ConcurrentHashMap.newKeySet();

  ClientWatch(ApiProperties properties) {
    this.interval = properties.interactive().clientCheck();
  }

  /**
   * Watches a client from now until the returned handle is closed, which the request's thread does
   * before the request ends (the server reuses its request objects afterwards).
   *
   * @param onGone run once, on the watch's thread, when the client is found gone
   */
  Watched watch(ClientConnections.ClientConnection connection, Runnable onGone) {
    Watched w = new Watched(connection, onGone);
    watched.add(w);
    return w;
  }

  /** Clients watched now. */
  int watched() {
    return watched.size();
  }

  @Override
  public String name() {
    return "client-watch";
  }

  @Override
  public Duration interval() {
    return interval;
  }

  /** Looks at every watched client once; returns how many were found gone. */
  @Override
  public Integer runOnce() {
    int gone = 0;
    for (Watched w : watched) {
      if (w.check()) {
        gone++;
      }
    }
    return gone;
  }

  /** One watched client. */
  final class Watched implements AutoCloseable {

    private final ClientConnections.ClientConnection connection;
    private final Runnable onGone;
    private boolean closed;

    private Watched(ClientConnections.ClientConnection connection, Runnable onGone) {
      this.connection = connection;
      this.onGone = onGone;
    }

    /** True when the client was found gone now; the handle then stops watching. */
    private boolean check() {
      synchronized (this) {
        // Under the lock: once closed, the request may have ended and its objects be reused.
        if (closed || !connection.gone()) {
          return false;
        }
        closed = true;
      }
      watched.remove(this);
      try {
        onGone.run();
      } catch (RuntimeException e) {
        log.warn("could not stop the query of a client that left", e);
      }
      return true;
    }

    @Override
    public void close() {
      synchronized (this) {
        closed = true;
      }
      watched.remove(this);
    }
  }
}
