package io.agp.cli;

/** What {@code agp} exits with (the README's table): one code per way a command can end. */
final class ExitCode {

  /** The command did what it was asked; a run or wait ended SUCCEEDED. */
  static final int OK = 0;

  /** The execution FAILED, or something on this machine did (an output file not writable). */
  static final int FAILED = 1;

  /** The command line was wrong (picocli's own code for it). */
  static final int USAGE = 2;

  /** The execution was CANCELED, by Ctrl-C or by anyone else. */
  static final int CANCELED = 3;

  /** The API refused the request (a 4xx problem), or the result has expired. */
  static final int REFUSED = 4;

  /** The API could not be reached, answered 5xx, or kept breaking the connection. */
  static final int UNREACHABLE = 5;

  /** Ctrl-C while nothing was canceled: a detached run, a wait, a download. */
  static final int INTERRUPTED = 130;

  private ExitCode() {}
}
