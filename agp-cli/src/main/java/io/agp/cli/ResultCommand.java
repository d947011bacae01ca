package io.agp.cli;

import io.agp.client.model.Execution;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "result",
    mixinStandardHelpOptions = true,
    description = {
      "Downloads a result to standard output or a file, going on where it stopped after a"
          + " dropped connection."
    })
final class ResultCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the result to FILE; - (the default) for standard output.")
  @Nullable String output;

  @Override
  public Integer call() {
    Api api = agp.api();
    Path target = Options.outputFile(output);
    if (target == null) {
      new Download(api).to(id, null, agp.out, (done, total) -> {});
      return ExitCode.OK;
    }
    Execution execution = api.call(() -> api.executions().getExecution(id, null, null));
    Display display = agp.display();
    display.show(execution);
    Signals.onInterrupt(
        () -> {
          display.end("#" + id + " download interrupted");
          return ExitCode.INTERRUPTED;
        });
    return RunCommand.download(api, agp.out, execution, target, display);
  }
}
