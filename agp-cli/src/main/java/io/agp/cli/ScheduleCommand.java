package io.agp.cli;

import io.agp.client.model.Schedule;
import io.agp.client.model.ScheduleLastRun;
import io.agp.client.model.SchedulePage;
import io.agp.client.model.ScheduleRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code agp schedule ...}: queries the bookkeeper runs again and again. */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = {
      "Schedules: queries run again and again (every so often, or on a cron expression), so that"
          + " a run with --max-age finds a fresh result at once."
    },
    subcommands = {
      ScheduleCommand.Create.class,
      ScheduleCommand.ListSchedules.class,
      ScheduleCommand.Show.class,
      ScheduleCommand.Pause.class,
      ScheduleCommand.Resume.class,
      ScheduleCommand.Delete.class
    })
final class ScheduleCommand implements Runnable {

  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @ParentCommand Agp agp;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a command: create, list, show, pause, resume, delete");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Makes a schedule of a query; prints it in one line (or as JSON with --json).",
        "Give --every or --cron."
      })
  static final class Create implements Callable<Integer> {

    @ParentCommand ScheduleCommand parent;

    @Parameters(
        arity = "1",
        paramLabel = "SQL",
        description = "The SQL, or - to read it from standard input.")
    String sql;

    @Option(
        names = "--every",
        paramLabel = "INTERVAL",
        converter = Options.AgeConverter.class,
        description = "Run every so often: seconds, or 90s, 10m, 2h, 1d (the first run at once).")
    @Nullable Long every;

    @Option(
        names = "--cron",
        paramLabel = "EXPRESSION",
        description =
            "Run at the instants of a cron expression of six fields, in UTC:"
                + " second minute hour day month weekday, e.g. '0 0 6 * * MON-FRI'.")
    @Nullable String cron;

    @Option(names = "--name", paramLabel = "NAME", description = "A name for the schedule.")
    @Nullable String name;

    @Mixin QueryOptions query;

    @Option(
        names = "--query-id",
        paramLabel = "ID",
        description = "The query_id its runs share (default: the query's hash).")
    @Nullable String queryId;

    @Option(names = "--paused", description = "Make it paused.")
    boolean paused;

    @Option(names = "--json", description = "Print the schedule as JSON, as the API tells it.")
    boolean json;

    @Override
    public Integer call() {
      if ((every == null) == (cron == null)) {
        throw new CliException(ExitCode.USAGE, "give --every or --cron (one of them)");
      }
      Agp agp = parent.agp;
      String text = sql;
      if ("-".equals(sql)) {
        try {
          text = new String(agp.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new CliException(ExitCode.USAGE, "cannot read standard input: " + Options.why(e));
        }
      }
      if (text.isBlank()) {
        throw new CliException(ExitCode.USAGE, "the SQL is empty");
      }
      ScheduleRequest request =
          new ScheduleRequest()
              .sql(text)
              .name(name)
              .tier(query.tier)
              .format(query.format)
              .parameters(query.parameters)
              .labels(query.labels)
              .queryId(queryId)
              .everySeconds(every)
              .cron(cron)
              .paused(paused ? Boolean.TRUE : null);
      Api api = agp.api();
      Schedule created = api.call(() -> api.schedules().createSchedule(request));
      agp.out.println(json ? api.pretty(created) : line(created));
      return ExitCode.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists your schedules (every one, for admins), newest first, as a table or as JSON.",
        "When there are more, the cursor of the next page goes to standard error."
      })
  static final class ListSchedules implements Callable<Integer> {

    @ParentCommand ScheduleCommand parent;

    @Option(names = "--limit", paramLabel = "N", description = "At most N (1-500; default 50).")
    @Nullable Integer limit;

    @Option(
        names = "--cursor",
        paramLabel = "CURSOR",
        description = "The page after a previous one.")
    @Nullable String cursor;

    @Option(names = "--json", description = "The page as JSON, as the API tells it.")
    boolean json;

    @Override
    public Integer call() {
      Agp agp = parent.agp;
      Api api = agp.api();
      SchedulePage page = api.call(() -> api.schedules().listSchedules(limit, cursor));
      if (json) {
        agp.out.println(api.pretty(page));
      } else {
        table(agp, page.getSchedules());
      }
      if (page.getNextCursor() != null) {
        agp.err.println("more: agp schedule list --cursor " + page.getNextCursor());
      }
      return ExitCode.OK;
    }
  }

  /**
   * A subcommand on one schedule, named by its id: only what it asks of the API and what it prints
   * differ.
   */
  abstract static class OnOne implements Callable<Integer> {

    @ParentCommand ScheduleCommand parent;

    @Parameters(paramLabel = "ID", description = "The schedule.")
    long id;

    @Override
    public Integer call() {
      act(parent.agp.api());
      return ExitCode.OK;
    }

    abstract void act(Api api);
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Prints a schedule as JSON, as the API tells it: its last run and its next.")
  static final class Show extends OnOne {

    @Override
    void act(Api api) {
      parent.agp.out.println(api.pretty(api.call(() -> api.schedules().getSchedule(id))));
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Stops a schedule's runs until it is resumed.")
  static final class Pause extends OnOne {

    @Override
    void act(Api api) {
      parent.agp.out.println(line(api.call(() -> api.schedules().pauseSchedule(id))));
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Runs a paused schedule again (the runs missed meanwhile are not made up).")
  static final class Resume extends OnOne {

    @Override
    void act(Api api) {
      parent.agp.out.println(line(api.call(() -> api.schedules().resumeSchedule(id))));
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes a schedule; the executions of its runs stay.")
  static final class Delete extends OnOne {

    @Override
    void act(Api api) {
      api.call(
          () -> {
            api.schedules().deleteSchedule(id);
            return null;
          });
      parent.agp.err.println("schedule " + id + " deleted");
    }
  }

  /** A schedule in one line: {@code #7 every 10m, next 2026-12-07 10:00:00 (revenue)}. */
  static String line(Schedule s) {
    StringBuilder line = new StringBuilder("#" + s.getId() + " " + cadence(s));
    line.append(
        Boolean.TRUE.equals(s.getPaused()) ? ", paused" : ", next " + when(s.getNextRunAt()));
    ScheduleLastRun last = s.getLastRun();
    if (last != null) {
      line.append(", last ").append(lastRun(last));
    }
    if (s.getName() != null) {
      line.append(" (").append(s.getName()).append(')');
    }
    return line.toString();
  }

  private static String cadence(Schedule s) {
    if (s.getEverySeconds() != null) {
      long every = s.getEverySeconds();
      String text =
          every % 86400 == 0
              ? every / 86400 + "d"
              : every % 3600 == 0
                  ? every / 3600 + "h"
                  : every % 60 == 0 ? every / 60 + "m" : every + "s";
      return "every " + text;
    }
    return "cron '" + s.getCron() + "'";
  }

  private static String lastRun(ScheduleLastRun last) {
    String outcome = last.getOutcome().getValue();
    if (last.getExecutionId() == null) {
      return outcome + (last.getError() == null ? "" : ": " + last.getError());
    }
    return "#"
        + last.getExecutionId()
        + " "
        + (last.getStatus() == null ? "gone" : last.getStatus().getValue())
        + (outcome.equals("created") ? "" : " (" + outcome + ")");
  }

  private static String when(@Nullable OffsetDateTime instant) {
    return instant == null ? "-" : WHEN.format(instant.atZoneSameInstant(ZoneId.systemDefault()));
  }

  private static void table(Agp agp, List<Schedule> schedules) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "CADENCE", "NEXT", "LAST RUN", "NAME", "SQL"});
    for (Schedule s : schedules) {
      rows.add(
          new String[] {
            String.valueOf(s.getId()),
            cadence(s),
            Boolean.TRUE.equals(s.getPaused()) ? "paused" : when(s.getNextRunAt()),
            s.getLastRun() == null ? "" : lastRun(s.getLastRun()),
            s.getName() == null ? "" : s.getName(),
            s.getSql().strip().replaceAll("\\s+", " ")
          });
    }
    int[] widths = new int[rows.getFirst().length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length - 1; i++) {
        widths[i] = Math.max(widths[i], Math.min(row[i].length(), 60));
      }
    }
    int columns = Terminal.columns(agp.env);
    int before = java.util.Arrays.stream(widths).sum() + 2 * (widths.length - 1);
    int sqlRoom = columns > 0 ? Math.max(20, columns - 1 - before) : Integer.MAX_VALUE;
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length - 1; i++) {
        String cell = row[i].length() > 60 ? row[i].substring(0, 57) + "..." : row[i];
        line.append(String.format("%-" + widths[i] + "s  ", cell));
      }
      String sql = row[row.length - 1];
      line.append(sql.length() <= sqlRoom ? sql : sql.substring(0, sqlRoom - 3) + "...");
      agp.out.println(line.toString().stripTrailing());
    }
  }
}
