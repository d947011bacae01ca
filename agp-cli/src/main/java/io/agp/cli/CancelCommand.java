package io.agp.cli;

import io.agp.client.model.Execution;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = "Cancels a PENDING or RUNNING execution (its ClickHouse query is killed).")
final class CancelCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Override
  public Integer call() {
    Api api = agp.api();
    Execution canceled = api.call(() -> api.executions().cancelExecution(id));
    agp.err.println(Describe.status(canceled));
    return ExitCode.OK;
  }
}
