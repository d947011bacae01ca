package io.agp.cli;

import io.agp.client.model.ResultLink;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "link",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a signed link that downloads the result without credentials until it expires.",
      "The expiry goes to standard error."
    })
final class LinkCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(paramLabel = "ID", description = "The execution.")
  long id;

  @Override
  public Integer call() {
    Api api = agp.api();
    ResultLink link = api.call(() -> api.executions().createResultLink(id));
    agp.out.println(link.getUrl());
    agp.out.flush();
    agp.err.println("#" + id + " link expires at " + link.getExpiresAt());
    return ExitCode.OK;
  }
}
