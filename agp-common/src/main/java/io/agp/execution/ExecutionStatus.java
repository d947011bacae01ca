package io.agp.execution;

import java.util.Set;

/** The life cycle of an execution. The database enforces the same transitions (V1 migration). */
public enum ExecutionStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELED,
  EXPIRED;

  /** Whether the database accepts a change from this status to {@code next}. */
  public boolean canBecome(ExecutionStatus next) {
    return switch (this) {
      case PENDING -> next == RUNNING || next == CANCELED;
      case RUNNING -> next == SUCCEEDED || next == FAILED || next == CANCELED || next == PENDING;
      case SUCCEEDED, FAILED, CANCELED -> next == EXPIRED;
      case EXPIRED -> false;
    };
  }

  /** PENDING or RUNNING: at most one such execution exists per query_id. */
  public boolean isInFlight() {
    return this == PENDING || this == RUNNING;
  }

  public boolean isTerminal() {
    return !isInFlight();
  }

  public static Set<ExecutionStatus> inFlight() {
    return Set.of(PENDING, RUNNING);
  }
}
