package io.agp.worker.run;

import java.util.Locale;

/** How one attempt ended on this worker. */
enum AttemptOutcome {
  SUCCEEDED,
  FAILED,
  /** Given back to PENDING: a transient failure, or the worker shutting down. */
  REQUEUED,
  /** Canceled while it ran. */
  CANCELED,
  /** Taken away while it ran (requeued by the bookkeeper, claimed again): it wrote nothing. */
  LOST;

  String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
