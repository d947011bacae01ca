package io.agp.execution;

/** What became of a request to create an execution. */
public sealed interface CreateOutcome {

  Execution execution();

  /** A new PENDING execution. */
  record Created(Execution execution) implements CreateOutcome {}

  /** The same query was already in flight; the caller shares that execution. */
  record Collapsed(Execution execution) implements CreateOutcome {}

  /** Another SQL runs under the same query_id; nothing was created. */
  record Conflict(Execution execution) implements CreateOutcome {}
}
