package io.agp.usage;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A range of UTC days as the fewest rows of the rollups that add up to it: whole spans of {@code
 * usage_spans} (4, 16 or 64 days, each starting on a day whose distance from 1970-01-01 it divides)
 * and single days of {@code usage_days} at the edges. Ninety days are at most 19 parts, and mostly
 * fewer than ten, where the days alone are ninety.
 *
 * @param fours the first days of the spans of 4 days
 * @param sixteens the first days of the spans of 16 days
 * @param sixtyFours the first days of the spans of 64 days
 * @param days the single days
 */
public record DaySpans(
    List<LocalDate> fours,
    List<LocalDate> sixteens,
    List<LocalDate> sixtyFours,
    List<LocalDate> days) {

  /** The parts of the days from {@code from} to {@code to}, both included. */
  public static DaySpans cover(LocalDate from, LocalDate to) {
    List<LocalDate> fours = new ArrayList<>();
    List<LocalDate> sixteens = new ArrayList<>();
    List<LocalDate> sixtyFours = new ArrayList<>();
    List<LocalDate> days = new ArrayList<>();
    long last = to.toEpochDay();
    long day = from.toEpochDay();
    while (day <= last) {
      LocalDate first = LocalDate.ofEpochDay(day);
      if (fits(day, 64, last)) {
        sixtyFours.add(first);
        day += 64;
      } else if (fits(day, 16, last)) {
        sixteens.add(first);
        day += 16;
      } else if (fits(day, 4, last)) {
        fours.add(first);
        day += 4;
      } else {
        days.add(first);
        day += 1;
      }
    }
    return new DaySpans(List.copyOf(fours), List.copyOf(sixteens), List.copyOf(sixtyFours), days);
  }

  private static boolean fits(long day, int length, long last) {
    return Math.floorMod(day, length) == 0 && day + length - 1 <= last;
  }

  /**
   * The parts as a statement over the spans takes them: {@code :fours}, {@code :sixteens}, {@code
   * :sixtyFours} and {@code :days}, each an array of dates written as text (the statement casts
   * them to {@code date[]}, and the planner sees their lengths).
   */
  public JdbcClient.StatementSpec bind(JdbcClient.StatementSpec statement) {
    return statement
        .param("fours", isoDates(fours))
        .param("sixteens", isoDates(sixteens))
        .param("sixtyFours", isoDates(sixtyFours))
        .param("days", isoDates(days));
  }

  private static String[] isoDates(List<LocalDate> days) {
    return days.stream().map(LocalDate::toString).toArray(String[]::new);
  }

  /** How many parts the range is read in. */
  public int parts() {
    return fours.size() + sixteens.size() + sixtyFours.size() + days.size();
  }
}
