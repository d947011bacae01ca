package io.agp.worker.run;

import io.agp.execution.Progress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the progress samples of one attempt found: the latest reading, with the peak memory of all
 * readings so far, and the latest recorded on the execution's row.
 */
final class ProgressReadings {

  private volatile Progress latest;
  private volatile Progress recorded;
  private final AtomicLong peakMemoryBytes = new AtomicLong(-1);

  /** The latest reading, or null before the first. */
  Progress latest() {
    return latest;
  }

  /**
   * A new reading of the query's progress.
   *
   * @return whether it differs from the progress recorded last in figures other than the elapsed
   *     time (a query that reads nothing new is not worth a write every second)
   */
  boolean sampled(Progress reading) {
    // The peak of every reading so far: a later one may have been taken after a drop.
    long peak = peakMemoryBytes.accumulateAndGet(reading.peakMemoryBytes(), Math::max);
    Progress now =
        new Progress(
            reading.rows(),
            reading.bytes(),
            reading.totalRows(),
            reading.elapsedMillis(),
            reading.memoryBytes(),
            peak);
    latest = now;
    Progress before = recorded;
    return before == null
        || before.rows() != now.rows()
        || before.bytes() != now.bytes()
        || before.totalRows() != now.totalRows()
        || before.memoryBytes() != now.memoryBytes();
  }

  /** The reading is on the execution's row now. */
  void recorded(Progress written) {
    recorded = written;
  }
}
