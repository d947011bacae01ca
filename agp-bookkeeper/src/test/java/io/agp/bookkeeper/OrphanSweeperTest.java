package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.orphans.OrphanSweeper;
import io.agp.results.RowIndex;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrphanSweeperTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void deletesObjectsNoSucceededExecutionPointsToAndKeepsTheRest() throws Exception {
    fixture.create("SELECT 1", Map.of(), 3);
    String live = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofHours(1));
    fixture.store("results/999-1.json");
    fixture.store("results/998-2.csv");

    OrphanSweeper.Report report = sweeper(Duration.ZERO).runOnce();

    assertThat(report).isEqualTo(new OrphanSweeper.Report(3, 2, 0));
    assertThat(fixture.storedKeys()).singleElement().satisfies(k -> assertThat(k).endsWith(live));
  }

  @Test
  void keepsTheRowIndexOfALiveResultAndDeletesThatOfAnOrphan() throws Exception {
    fixture.create("SELECT 'indexed'", Map.of(), 3);
    String live = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofHours(1));
    fixture.store(RowIndex.keyFor(live));
    fixture.store("results/996-1.csv.zst");
    fixture.store(RowIndex.keyFor("results/996-1.csv.zst"));
    fixture.store(RowIndex.keyFor("results/995-1.csv"));

    OrphanSweeper.Report report = sweeper(Duration.ZERO).runOnce();

    assertThat(report.deleted()).isEqualTo(3);
    assertThat(fixture.storedKeys())
        .hasSize(2)
        .anyMatch(k -> k.endsWith(live))
        .anyMatch(k -> k.endsWith(live + ".rowindex"));
  }

  @Test
  void leavesYoungObjectsAlone() throws Exception {
    fixture.store("results/997-1.json");

    assertThat(sweeper(Duration.ofHours(1)).runOnce().deleted()).isZero();
    assertThat(fixture.storedKeys()).hasSize(1);
  }

  private OrphanSweeper sweeper(Duration safetyMargin) {
    // A clock a little ahead, so that an object stored just now counts as older than a zero margin.
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5));
    return new OrphanSweeper(
        fixture.maintenance,
        fixture.results,
        new BookkeeperProperties.Orphans(Duration.ofHours(1), safetyMargin),
        clock,
        new SimpleMeterRegistry());
  }
}
