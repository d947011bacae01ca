package io.agp.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import sun.misc.Signal;

/**
 * Ctrl-C and terminal resizes, through the JDK's own signal handling ({@code sun.misc.Signal}, in
 * {@code jdk.unsupported}): a shutdown hook could send a cancel too, but could not choose the exit
 * code nor leave the terminal tidy.
 */
final class Signals {

  private static final AtomicBoolean interrupted = new AtomicBoolean();

  private Signals() {}

  /**
   * On Ctrl-C (SIGINT), runs {@code onInterrupt} and exits with the code it returns; a second
   * Ctrl-C while it runs exits at once.
   */
  static void onInterrupt(IntSupplier onInterrupt) {
    try {
      Signal.handle(
          new Signal("INT"),
          signal -> {
            if (!interrupted.compareAndSet(false, true)) {
              Runtime.getRuntime().halt(ExitCode.INTERRUPTED);
            }
            int code = ExitCode.INTERRUPTED;
            try {
              code = onInterrupt.getAsInt();
            } finally {
              System.exit(code);
            }
          });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // The JVM keeps SIGINT to itself (-Xrs): its default, an exit without a cancel.
    }
  }

  /**
   * Called by a command before it tells how it ended: while a Ctrl-C is being handled, waits for
   * the handler to exit, so that its line and exit code are the ones given (the cancel it sends
   * also ends the command's own wait).
   */
  static void yieldToInterrupt() {
    if (interrupted.get()) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Runs {@code onResize} when the terminal changes size (SIGWINCH), where there is one. */
  static void onResize(Runnable onResize) {
    try {
      Signal.handle(new Signal("WINCH"), signal -> onResize.run());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // No such signal here (Windows): the width stays as it was measured.
    }
  }
}
