package io.agp.cli;

import io.agp.client.model.Execution;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "wait",
    mixinStandardHelpOptions = true,
    description = {
      "Follows an execution to its end, with its progress on standard error; exits as run does.",
      "Ctrl-C stops following and leaves the execution as it is."
    })
final class WaitCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Override
  public Integer call() {
    Api api = agp.api();
    Execution known = api.call(() -> api.executions().getExecution(id, null, null));
    Display display = agp.display();
    AtomicReference<Execution> latest = new AtomicReference<>(known);
    Signals.onInterrupt(
        () -> {
          display.end("#" + id + " left " + latest.get().getStatus());
          return ExitCode.INTERRUPTED;
        });
    Execution end = new Follower(api).followOn(known, display, latest);
    display.end(end, null);
    return switch (end.getStatus()) {
      case SUCCEEDED -> ExitCode.OK;
      case FAILED -> ExitCode.FAILED;
      case CANCELED -> ExitCode.CANCELED;
      default -> ExitCode.REFUSED;
    };
  }
}
