package io.agp.worker.run;

import java.time.Duration;

/**
 * Durations as configuration writes them: {@code 5s}, {@code 10m}, {@code 1h30m}, {@code 250ms}.
 */
final class Durations {

  private Durations() {}

  static String text(Duration duration) {
    if (duration.toMillis() < 1000) {
      return duration.toMillis() + "ms";
    }
    StringBuilder text = new StringBuilder();
    long hours = duration.toHours();
    int minutes = duration.toMinutesPart();
    int seconds = duration.toSecondsPart();
    int millis = duration.toMillisPart();
    if (hours > 0) {
      text.append(hours).append('h');
    }
    if (minutes > 0) {
      text.append(minutes).append('m');
    }
    if (seconds > 0 || millis > 0) {
      text.append(seconds);
      if (millis > 0) {
        text.append('.').append(String.format("%03d", millis).replaceAll("0+$", ""));
      }
      text.append('s');
    }
    return text.toString();
  }
}
