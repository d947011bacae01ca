package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.api.PeriodicRound;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Cuts the downloads of this API instance that have sent nothing for {@code
 * agp.api.download-idle-timeout}: a client that stopped reading, or a store that stopped sending.
 * Such a download holds its client's connection and an S3 connection or open file; cutting it lets
 * go of both at once. Downloads that keep moving are never cut, however long they take.
 *
 * <p>Tomcat ends a connection that takes nothing for its own write timeout ({@code
 * server.tomcat.connection-timeout}, 60 s by default) too; the download then ends through the
 * server's error callback, which lets go of the same things.
 */
@Component
class DownloadWatchdog extends PeriodicRound {

  private static final Logger log = LoggerFactory.getLogger(DownloadWatchdog.class);

  private final Duration idleTimeout;
  private final Clock clock;
  private final Set<Download> running = ConcurrentHashMap.newKeySet();

  DownloadWatchdog(ApiProperties properties, Clock clock) {
    // A tenth of the timeout: a stalled download is cut at most a tenth late.
    super(
        "download-watchdog",
        properties.downloadIdleTimeout().dividedBy(10),
        "could not check the running downloads");
    this.idleTimeout = properties.downloadIdleTimeout();
    this.clock = clock;
  }

  /** Watches a download from now until {@link #forget}. */
  void watch(Download download) {
    running.add(download);
  }

  void forget(Download download) {
    running.remove(download);
  }

  /** Downloads being watched. */
  int running() {
    return running.size();
  }

  /**
   * Cuts every download idle for the timeout or longer.
   *
   * @return how many were cut
   */
  int runOnce() {
    long idleSince = clock.millis() - idleTimeout.toMillis();
    int cut = 0;
    for (Download download : running) {
      if (download.lastProgressMillis() <= idleSince
          && download.cut("the download sent nothing for " + idleTimeout)) {
        running.remove(download);
        cut++;
        log.info(
            "download of execution {} cut: nothing sent for {} ({} bytes sent before)",
            download.executionId(),
            idleTimeout,
            download.sent());
      }
    }
    return cut;
  }

  @Override
  protected void round() {
    runOnce();
  }
}
