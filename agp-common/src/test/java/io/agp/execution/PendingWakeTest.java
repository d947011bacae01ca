package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How a PENDING notification's executions are dealt out among a tier's workers. */
class PendingWakeTest {

  @Test
  void everyAnnouncedExecutionGoesToExactlyOneWorkerAndSharesDifferByOneAtMost() {
    for (int workers = 1; workers <= 12; workers++) {
      for (int count = 1; count <= 30; count++) {
        for (int nonce = 0; nonce < 15; nonce++) {
          Channels.PendingWake wake = new Channels.PendingWake("t", count, nonce);
          int n = workers;
          int[] shares = IntStream.range(0, n).map(place -> wake.shareOf(place, n)).toArray();

          assertThat(IntStream.of(shares).sum()).isEqualTo(count);
          assertThat(IntStream.of(shares).max().getAsInt() - IntStream.of(shares).min().getAsInt())
              .isLessThanOrEqualTo(1);
        }
      }
    }
  }

  @Test
  void fewerExecutionsThanWorkersGoToTheWorkersFromTheNoncesPlaceOn() {
    Channels.PendingWake wake = new Channels.PendingWake("t", 3, 8);

    assertThat(IntStream.range(0, 10).map(place -> wake.shareOf(place, 10)).toArray())
        .containsExactly(1, 0, 0, 0, 0, 0, 0, 0, 1, 1);
  }

  @Test
  void aPayloadReadsBackAsWritten() {
    Channels.PendingWake wake = Channels.pendingWake(Channels.pending("reports:eu", 7, 12345));

    assertThat(wake).isEqualTo(new Channels.PendingWake("reports:eu", 7, 12345));
    assertThat(wake.everyone()).isFalse();
  }

  @Test
  void aBareTierFromTheRequeueTriggerWakesEveryWorker() {
    assertThat(Channels.pendingWake("default"))
        .isEqualTo(new Channels.PendingWake("default", 0, 0));
    assertThat(Channels.pendingWake("default").everyone()).isTrue();
    // A tier whose name merely looks like a count is still a tier.
    assertThat(Channels.pendingWake("x:y:z").tier()).isEqualTo("x:y:z");
    assertThat(Channels.pendingWake("0:1:z").everyone()).isTrue();
  }
}
