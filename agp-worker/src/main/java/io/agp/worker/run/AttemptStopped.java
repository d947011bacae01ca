package io.agp.worker.run;

/**
 * The attempt was abandoned (it lost its execution) or stopped (it ran too long) while a step was
 * under way: the failure policy tells which and what follows.
 */
final class AttemptStopped extends RuntimeException {

  AttemptStopped() {
    super("the attempt was stopped", null, false, false);
  }
}
