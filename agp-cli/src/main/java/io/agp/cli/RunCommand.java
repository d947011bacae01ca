package io.agp.cli;

import io.agp.client.ApiException;
import io.agp.client.model.CreateExecutionRequest;
import io.agp.client.model.Execution;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a query: creates an execution, shows its progress on standard error, and writes its"
          + " result to standard output or a file once it has succeeded.",
      "Ctrl-C cancels the execution, unless --detach."
    })
final class RunCommand implements Callable<Integer> {

  @ParentCommand Agp agp;

  @Parameters(
      arity = "0..1",
      paramLabel = "SQL",
      description = "The SQL, or - to read it from standard input.")
  @Nullable String sql;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Read the SQL from this file.")
  @Nullable Path file;

  @Mixin QueryOptions query;

  @Option(
      names = "--max-age",
      paramLabel = "AGE",
      converter = Options.AgeConverter.class,
      description =
          "Take a stored result of the same query this fresh instead of running it again:"
              + " seconds, or 90s, 10m, 2h, 1d.")
  @Nullable Long maxAge;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "A name for the execution, shown by agp list and found by agp list --name.")
  @Nullable String name;

  @Option(names = "--query-id", paramLabel = "ID", description = "The query_id (default: a hash).")
  @Nullable String queryId;

  @Option(
      names = "--replace",
      description = "Cancel an in-flight execution of the same query_id with other SQL.")
  boolean replace;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the result to FILE; - (the default) for standard output.")
  @Nullable String output;

  @Option(
      names = "--detach",
      description = "On Ctrl-C, leave the execution running (agp wait ID follows it again).")
  boolean detach;

  @Override
  public Integer call() {
    String text = sqlText();
    Path target = Options.outputFile(output);
    Api api = agp.api();
    CreateExecutionRequest request =
        new CreateExecutionRequest()
            .sql(text)
            .queryId(queryId)
            .name(name)
            .tier(query.tier)
            .format(query.format)
            .parameters(query.parameters)
            .labels(query.labels)
            .maxAge(maxAge)
            .replace(replace ? Boolean.TRUE : null);
    Execution created =
        api.call(
            () ->
                api.executions()
                    .createExecution(
                        request, null, null, null, null, null, null, null, null, null));
    long id = created.getId();
    Display display = agp.display();
    AtomicReference<Execution> latest = new AtomicReference<>(created);
    Signals.onInterrupt(() -> interrupted(api, latest.get(), display));
    Execution end = new Follower(api).followOn(created, display, latest);
    return switch (end.getStatus()) {
      case SUCCEEDED -> download(api, agp.out, end, target, display);
      case FAILED -> ended(display, end, ExitCode.FAILED);
      case CANCELED -> ended(display, end, ExitCode.CANCELED);
      default -> ended(display, end, ExitCode.REFUSED);
    };
  }

  private static int ended(Display display, Execution end, int code) {
    display.end(end, null);
    return code;
  }

  static int download(
      Api api, PrintStream out, Execution end, @Nullable Path target, Display display) {
    if (target == null) {
      // The bar is done before the first byte reaches a terminal it may share.
      display.end(end, null);
      new Download(api).to(end.getId(), null, out, (done, total) -> {});
      return ExitCode.OK;
    }
    long written;
    try {
      written = new Download(api).to(end.getId(), target, out, display::downloading);
    } catch (RuntimeException e) {
      Signals.yieldToInterrupt();
      display.end((String) null);
      throw e;
    }
    Signals.yieldToInterrupt();
    display.end(end, "saved " + Describe.bytes(written) + " to " + target);
    return ExitCode.OK;
  }

  /** Ctrl-C: cancel the execution (or, with --detach, leave it) and say so. */
  private int interrupted(Api api, Execution latest, Display display) {
    long id = latest.getId();
    if (Follower.ended(latest)) {
      display.end("#" + id + " " + latest.getStatus() + "; interrupted");
      return ExitCode.INTERRUPTED;
    }
    if (detach) {
      display.end("#" + id + " left " + latest.getStatus() + "; agp wait " + id + " follows it");
      return ExitCode.INTERRUPTED;
    }
    try {
      Execution canceled = api.executions().cancelExecution(id);
      display.end("#" + id + " " + canceled.getStatus() + " (Ctrl-C)");
      return ExitCode.CANCELED;
    } catch (ApiException e) {
      CliException failure = api.failure(e);
      display.end("#" + id + " not canceled: " + failure.getMessage());
      return e.getCode() == 409 ? ExitCode.INTERRUPTED : failure.exitCode();
    }
  }

  private String sqlText() {
    if ((sql == null) == (file == null)) {
      throw new CliException(
          ExitCode.USAGE,
          "give the SQL, - to read it from standard input, or -f FILE (one of them)");
    }
    try {
      String text =
          file != null
              ? Files.readString(file, StandardCharsets.UTF_8)
              : "-".equals(sql) ? new String(agp.in.readAllBytes(), StandardCharsets.UTF_8) : sql;
      if (text.isBlank()) {
        throw new CliException(ExitCode.USAGE, "the SQL is empty");
      }
      return text;
    } catch (IOException e) {
      throw new CliException(
          ExitCode.USAGE,
          "cannot read " + (file != null ? file : "standard input") + ": " + Options.why(e));
    }
  }
}
