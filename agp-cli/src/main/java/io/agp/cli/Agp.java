package io.agp.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code agp}: runs queries through AGP from a shell, and follows, lists and fetches them. */
@Command(
    name = "agp",
    mixinStandardHelpOptions = true,
    versionProvider = Agp.Version.class,
    description = "Runs SQL on ClickHouse through AGP, and follows, lists and fetches executions.",
    subcommands = {
      RunCommand.class,
      WaitCommand.class,
      GetCommand.class,
      ListCommand.class,
      CancelCommand.class,
      ResultCommand.class,
      RowsCommand.class,
      LinkCommand.class,
      ScheduleCommand.class,
      UsageCommand.class,
      AutoComplete.GenerateCompletion.class
    },
    footerHeading = "%nConfiguration:%n",
    footer = {
      "  Each setting comes from its option, else $AGP_URL, $AGP_TOKEN, $AGP_PROFILE,",
      "  else ~/.config/agp/config.properties ($XDG_CONFIG_HOME/agp/...): url= and",
      "  token=, or NAME.url= and NAME.token= for --profile NAME. The URL defaults",
      "  to " + Settings.DEFAULT_URL + ".",
      "",
      "Exit codes:",
      "  0    succeeded",
      "  1    the execution failed",
      "  2    usage",
      "  3    the execution was canceled (Ctrl-C during run cancels it)",
      "  4    refused by the API (a 4xx problem), or the result expired",
      "  5    the API is unreachable, answered 5xx, or kept dropping the connection",
      "  130  interrupted without canceling (run --detach, wait, a download)"
    })
public final class Agp implements Runnable {

  /** When the command began, for the time a progress bar shows. */
  static final long STARTED = System.nanoTime();

  @Option(
      names = "--url",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description = "The API (default: " + Settings.DEFAULT_URL + ").")
  @Nullable String url;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      paramLabel = "TOKEN",
      description = "A bearer token, where the API asks for one.")
  @Nullable String token;

  @Option(
      names = "--profile",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description = "The profile of the config file to use.")
  @Nullable String profile;

  @Spec CommandSpec spec;

  final Map<String, String> env;
  final PrintStream out;
  final PrintStream err;
  final InputStream in;
  private @Nullable Api api;

  Agp(Map<String, String> env, PrintStream out, PrintStream err, InputStream in) {
    this.env = env;
    this.out = out;
    this.err = err;
    this.in = in;
  }

  public static void main(String[] args) {
    // UTF-8 whatever the locale: JSON, SQL and labels are UTF-8, and a pipe has no locale.
    PrintStream out =
        new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024),
            false,
            StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, System.getenv(), out, err, System.in);
    out.flush();
    err.flush();
    System.exit(code);
  }

  static int run(
      String[] args, Map<String, String> env, PrintStream out, PrintStream err, InputStream in) {
    CommandLine cli = new CommandLine(new Agp(env, out, err, in));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          String message =
              e.getMessage() != null && !e.getMessage().isBlank()
                  ? e.getMessage()
                  : e.getClass().getSimpleName();
          err.println("agp: " + message);
          err.flush();
          return e instanceof CliException failure ? failure.exitCode() : ExitCode.FAILED;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  /** The API, as the options, the environment and the config file say. */
  Api api() {
    if (api == null) {
      api = new Api(Settings.resolve(url, token, profile, env));
    }
    return api;
  }

  /** A display of an execution's progress on standard error. */
  Display display() {
    return Display.on(err, env);
  }

  static String version() {
    String version = Agp.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"agp " + version()};
    }
  }
}
