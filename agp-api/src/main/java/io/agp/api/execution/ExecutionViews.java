package io.agp.api.execution;

import io.agp.api.auth.Caller;
import io.agp.execution.Execution;
import io.agp.view.ExecutionView;
import io.agp.view.ExecutionView.Viewer;
import java.time.Instant;
import java.util.List;

/**
 * Executions as the API shows them to a caller: its creator and admins see everything but the
 * parameters; a caller who joined another user's execution (collapse, reuse) sees it without its
 * creator's name, labels and callback.
 */
final class ExecutionViews {

  private ExecutionViews() {}

  /** An execution as a get or cancel shows it to the caller, with its SQL whole. */
  static ExecutionView of(Execution e, Caller caller) {
    return ExecutionView.of(e, viewer(e, caller));
  }

  /** An execution as a get shows it to an admin: with the users who joined it. */
  static ExecutionView withReaders(Execution e, Caller caller, List<String> readers) {
    return of(e, caller).withReaders(readers);
  }

  /** An execution as a list or search shows it: its SQL cut to the first 4 KiB. */
  static ExecutionView listed(Execution e, Caller caller) {
    return ExecutionView.listed(e, viewer(e, caller));
  }

  /** An execution as a create returns it: whether it collapsed, was reused or replaced another. */
  static ExecutionView of(ExecutionCreator.Outcome outcome, Instant now, Caller caller) {
    Execution e = outcome.execution();
    ExecutionView view = of(e, caller);
    return switch (outcome) {
      case ExecutionCreator.Outcome.Reused reused ->
          view.asCreated(
              false, true, Math.max(0, now.toEpochMilli() - e.completedAt().toEpochMilli()), null);
      case ExecutionCreator.Outcome.Created created ->
          view.asCreated(
              false, false, null, created.replaced() == null ? null : created.replaced().id());
      case ExecutionCreator.Outcome.Collapsed collapsed -> view.asCreated(true, false, null, null);
    };
  }

  /** A view with what a waiting caller wants to know besides the row: see ExecutionOutlook. */
  static ExecutionView withOutlook(ExecutionView view, ExecutionOutlook.Outlook outlook) {
    ExecutionOutlook.Estimate estimate = outlook.estimate();
    return view.withOutlook(
        outlook.queuePosition(),
        estimate == null
            ? null
            : new ExecutionView.EstimateView(
                estimate.remainingMs(), estimate.typicalDurationMs(), estimate.runs()));
  }

  /** Whether the caller sees the execution as its creator (or an admin) or as a reader. */
  static Viewer viewer(Execution e, Caller caller) {
    boolean creator = caller.owner() == null || caller.owner().equals(e.createdBy());
    return creator ? Viewer.CREATOR : Viewer.READER;
  }
}
