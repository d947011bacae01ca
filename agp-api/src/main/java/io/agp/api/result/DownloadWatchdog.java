package io.agp.api.result;

import io.agp.api.ApiProperties;
import io.agp.schedule.PeriodicJob;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Cuts the downloads of this API instance that have sent nothing for {@code
 * agp.api.download-idle-timeout}: a client that stopped reading, or a store that stopped sending;
 * and those that sent less than {@code agp.api.per-user.stalled-download-rate} a second over {@code
 * agp.api.per-user.stalled-download-after}: a client that reads a trickle to hold the download
 * open. Such a download holds its client's connection, an S3 connection or open file and one of its
 * user's downloads; cutting it lets go of all at once. Downloads that keep moving above the floor
 * are never cut, however long they take.
 *
 * <p>Tomcat ends a connection that takes nothing for its own write timeout ({@code
 * server.tomcat.connection-timeout}, 60 s by default) too; the download then ends through the
 * server's error callback, which lets go of the same things.
 */
@Component
class DownloadWatchdog implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(DownloadWatchdog.class);

  private final Duration interval;
  private final Duration idleTimeout;
  private final long floorBytesPerSecond;
  private final Duration floorWindow;
  private final Clock clock;
  private final Map<Download, Window> running = new ConcurrentHashMap<>();

  /** Where a download's current rate window began: when, and how much it had sent by then. */
  private record Window(long startMillis, long sentAtStart) {}

  DownloadWatchdog(ApiProperties properties, Clock clock) {
    this.interval =
        shorter(properties.downloadIdleTimeout(), properties.perUser().stalledDownloadAfter())
            .dividedBy(10);
    this.idleTimeout = properties.downloadIdleTimeout();
    this.floorBytesPerSecond = properties.perUser().stalledDownloadRate().toBytes();
    this.floorWindow = properties.perUser().stalledDownloadAfter();
    this.clock = clock;
  }

  private static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) <= 0 || b.isZero() ? a : b;
  }

  /** Watches a download from now until {@link #forget}. */
  void watch(Download download) {
    running.put(download, new Window(clock.millis(), 0));
  }

  void forget(Download download) {
    running.remove(download);
  }

  /** Downloads being watched. */
  int running() {
    return running.size();
  }

  @Override
  public String name() {
    return "download-watchdog";
  }

  @Override
  public Duration interval() {
    return interval;
  }

  /**
   * Cuts every download idle for the timeout or longer, or below the floor rate over a whole
   * window.
   *
   * @return how many were cut
   */
  @Override
  public Integer runOnce() {
    long now = clock.millis();
    long idleSince = now - idleTimeout.toMillis();
    int cut = 0;
    for (Map.Entry<Download, Window> entry : running.entrySet()) {
      Download download = entry.getKey();
      if (download.lastProgressMillis() <= idleSince
          && download.cut("the download sent nothing for " + idleTimeout)) {
        running.remove(download);
        cut++;
        log.info(
            "download of execution {} cut: nothing sent for {} ({} bytes sent before)",
            download.executionId(),
            idleTimeout,
            download.sent());
        continue;
      }
      if (floorBytesPerSecond > 0 && !floorWindow.isZero()) {
        cut += checkRate(download, entry.getValue(), now);
      }
    }
    return cut;
  }

  /** Cuts a download whose last whole window was below the floor; else starts a new window. */
  private int checkRate(Download download, Window window, long now) {
    long elapsed = now - window.startMillis();
    if (elapsed < floorWindow.toMillis()) {
      return 0;
    }
    long sent = download.sent();
    long floor = floorBytesPerSecond * elapsed / 1000;
    if (sent - window.sentAtStart() < floor
        && download.cut("the download's reader took less than the floor rate")) {
      running.remove(download);
      log.info(
          "download of execution {} cut: {} bytes in {} ms, below {} bytes a second",
          download.executionId(),
          sent - window.sentAtStart(),
          elapsed,
          floorBytesPerSecond);
      return 1;
    }
    running.replace(download, window, new Window(now, sent));
    return 0;
  }
}
