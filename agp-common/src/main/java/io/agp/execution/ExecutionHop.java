package io.agp.execution;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A step of an execution on its way from the create to the answer of a request that waits for it,
 * as a JDK Flight Recorder event ({@value #NAME}). Off unless a recording enables it, when marking
 * a step costs the check of a flag; enabled, each step is an instant with the thread that took it.
 * {@code bench/api/wait.sh} records them to show where the time of a short query goes, and a
 * recording of a running app ({@code jcmd PID JFR.start settings=…} with the event enabled) shows
 * the same in production.
 */
@Name(ExecutionHop.NAME)
@Label("Execution hop")
@Category("AGP")
@Description("A step of an execution between its create and the answer of a request waiting for it")
@StackTrace(false)
public final class ExecutionHop extends Event {

  /** The event's name, to enable it in a recording. */
  public static final String NAME = "io.agp.ExecutionHop";

  /** The steps, in the order an execution takes them. */
  public enum Step {
    /** The API committed the create's transaction. */
    CREATED("api.created"),
    /**
     * A notification batch goes out (to the apps of the process, then to PostgreSQL): new PENDING
     * executions of a tier, or changed executions.
     */
    NOTIFIED("notified"),
    /** A worker heard of new PENDING executions of its tier (no execution id). */
    WORKER_WOKEN("worker.woken"),
    /** A worker's claim returned the execution. */
    CLAIMED("worker.claimed"),
    /** ClickHouse answered the query's request (its headers). */
    ANSWERED("worker.answered"),
    /** The result is stored (the upload committed). */
    STORED("worker.stored"),
    /** The completing transaction committed. */
    COMPLETED("worker.completed"),
    /** An API instance heard that an execution a request waits for changed. */
    API_WOKEN("api.woken"),
    /** That API instance read the execution for the waiting request. */
    API_READ("api.read"),
    /** The waiting request's answer is written. */
    ANSWERED_CLIENT("api.answered");

    private final String label;

    Step(String label) {
      this.label = label;
    }

    /** The name recorded in the event. */
    public String label() {
      return label;
    }
  }

  @Label("Execution")
  @Description("The execution's id; 0 for a step of several (a wake-up of a tier's workers)")
  long execution;

  @Label("Step")
  String step;

  @Label("Detail")
  @Description("The tier of a wake-up, or the channel of a notification batch")
  String detail;

  /** Whether a recording takes these events now: a caller may skip preparing them otherwise. */
  public static boolean recording() {
    return new ExecutionHop().isEnabled();
  }

  /** Marks a step of one execution. */
  public static void mark(long executionId, Step step) {
    mark(executionId, step, null);
  }

  /** Marks a step, with the tier or channel it concerns. */
  public static void mark(long executionId, Step step, String detail) {
    ExecutionHop hop = new ExecutionHop();
    if (hop.isEnabled()) {
      hop.execution = executionId;
      hop.step = step.label();
      hop.detail = detail;
      hop.commit();
    }
  }
}
