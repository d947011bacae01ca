package io.agp.cli;

import io.agp.client.model.Execution;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Prints an execution as JSON, as the API tells it.")
final class GetCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      description = "Wait up to this long (0-60) for its status or progress to change.")
  @Nullable Integer wait;

  @Override
  public Integer call() {
    Api api = agp.api();
    Execution execution = api.call(() -> api.executions().getExecution(id, wait, null));
    agp.out.println(api.pretty(execution));
    return ExitCode.OK;
  }
}
