package io.agp.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts a range of days is read in: exactly its days, each once, in few parts. */
class DaySpansTest {

  @Test
  void everyRangeIsCoveredExactlyOnceByAlignedSpansAndSingleDays() {
    LocalDate start = LocalDate.of(2026, 1, 1);
    for (int offset = 0; offset < 70; offset++) {
      for (int length = 1; length <= 200; length++) {
        LocalDate from = start.plusDays(offset);
        LocalDate to = from.plusDays(length - 1);
        DaySpans parts = DaySpans.cover(from, to);

        List<Long> days = new ArrayList<>();
        addSpans(days, parts.fours(), 4);
        addSpans(days, parts.sixteens(), 16);
        addSpans(days, parts.sixtyFours(), 64);
        parts.days().forEach(day -> days.add(day.toEpochDay()));
        assertThat(days.stream().sorted().toList())
            .as("%s to %s", from, to)
            .isEqualTo(
                java.util.stream.LongStream.rangeClosed(from.toEpochDay(), to.toEpochDay())
                    .boxed()
                    .toList());
        if (length <= 90) {
          assertThat(parts.parts()).as("parts of %s to %s", from, to).isLessThanOrEqualTo(19);
        }
      }
    }
  }

  @Test
  void aQuarterIsMostlyReadInFewerThanTenParts() {
    LocalDate today = LocalDate.of(2026, 12, 7);
    int fewer = 0;
    for (int back = 0; back < 365; back++) {
      LocalDate to = today.minusDays(back);
      if (DaySpans.cover(to.minusDays(89), to).parts() < 10) {
        fewer++;
      }
    }
    assertThat(fewer).isGreaterThan(365 / 2);
  }

  private static void addSpans(List<Long> days, List<LocalDate> firsts, int length) {
    for (LocalDate first : firsts) {
      assertThat(Math.floorMod(first.toEpochDay(), length))
          .as("a span of %d starts where its length divides", length)
          .isZero();
      for (int d = 0; d < length; d++) {
        days.add(first.toEpochDay() + d);
      }
    }
  }
}
