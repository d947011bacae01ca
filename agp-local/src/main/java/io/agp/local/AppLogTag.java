package io.agp.local;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The {@code %app} of the local mode's log lines: which of the apps sharing this JVM wrote the
 * line. The name is set on the main thread while an app starts and inherited by every thread the
 * app creates (its server, pools, loops), so that the API's lines say {@code agp-api} and the
 * worker's {@code agp-worker}; a thread made by none of them says {@code agp-local}.
 */
public final class AppLogTag extends ClassicConverter {

  private static final InheritableThreadLocal<String> APP =
      new InheritableThreadLocal<>() {
        @Override
        protected String initialValue() {
          return "agp-local";
        }
      };

  /** Names the app whose threads the current thread creates from now on. */
  static void set(String app) {
    APP.set(app);
  }

  @Override
  public String convert(ILoggingEvent event) {
    return APP.get();
  }
}
