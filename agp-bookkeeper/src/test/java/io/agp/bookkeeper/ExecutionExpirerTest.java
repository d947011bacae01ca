package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.expiry.ExecutionExpirer;
import io.agp.execution.AttemptId;
import io.agp.results.RowIndex;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutionExpirerTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void deletesTheResultPastItsTtlAndExpiresTheExecution() throws Exception {
    long id = fixture.create("SELECT 1", Map.of(), 3);
    String key = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofMillis(1));
    fixture.awaitLeasesPast();

    ExecutionExpirer.Report report = expirer(Duration.ofDays(7), Duration.ZERO).runOnce();

    assertThat(report.resultsExpired()).isEqualTo(1);
    assertThat(report.objectsDeleted()).isEqualTo(1);
    assertThat(fixture.status(id)).isEqualTo("EXPIRED");
    assertThat(fixture.storedKeys()).noneMatch(k -> k.endsWith(key));
  }

  @Test
  void deletesTheRowIndexWithItsResult() throws Exception {
    long id = fixture.create("SELECT 'indexed'", Map.of(), 3);
    String key = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofMillis(1));
    fixture.store(RowIndex.keyFor(key));
    fixture.awaitLeasesPast();

    expirer(Duration.ofDays(7), Duration.ZERO).runOnce();

    assertThat(fixture.status(id)).isEqualTo("EXPIRED");
    assertThat(fixture.storedKeys())
        .noneMatch(k -> k.endsWith(key) || k.endsWith(key + ".rowindex"));
  }

  /**
   * A result kept in its row has no object to delete: the row expires in the same round, with no
   * request to the store, and its bytes go with the status.
   */
  @Test
  void aResultKeptInItsRowExpiresWithItsBytesAndNoObjectDeleted() throws Exception {
    long id = fixture.create("SELECT 'in the row'", Map.of(), 3);
    fixture.succeedInRow(fixture.claim(Duration.ofMinutes(1)), Duration.ofMillis(1));
    fixture.awaitLeasesPast();

    ExecutionExpirer.Report report = expirer(Duration.ofDays(7), Duration.ZERO).runOnce();

    assertThat(report.resultsExpired()).isEqualTo(1);
    assertThat(report.objectsDeleted()).isZero();
    assertThat(fixture.status(id)).isEqualTo("EXPIRED");
    assertThat(
            fixture
                .jdbc
                .sql("select result_inline is null from executions where id = :id")
                .param("id", id)
                .query(Boolean.class)
                .single())
        .isTrue();
  }

  @Test
  void keepsAResultBeforeItsTtl() throws Exception {
    long id = fixture.create("SELECT 2", Map.of(), 3);
    String key = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofHours(1));

    assertThat(expirer(Duration.ofDays(7), Duration.ZERO).runOnce().resultsExpired()).isZero();
    assertThat(fixture.status(id)).isEqualTo("SUCCEEDED");
    assertThat(fixture.storedKeys()).anyMatch(k -> k.endsWith(key));
  }

  @Test
  void aCrashBetweenDeletingTheObjectAndMarkingTheRowIsHarmless() throws Exception {
    long id = fixture.create("SELECT 3", Map.of(), 3);
    String key = fixture.succeed(fixture.claim(Duration.ofMinutes(1)), Duration.ofMillis(1));
    fixture.awaitLeasesPast();
    // The first half of an interrupted round: the object is gone, the row still SUCCEEDED.
    fixture.results.delete(key);

    expirer(Duration.ofDays(7), Duration.ZERO).runOnce();

    assertThat(fixture.status(id)).isEqualTo("EXPIRED");
  }

  @Test
  void expiresFailedAndCanceledExecutionsAfterTheirRetention() {
    long failed = fixture.create("SELECT 4", Map.of(), 3);
    AttemptId attemptId = fixture.claim(Duration.ofMinutes(1));
    fixture.executions.fail(attemptId, "boom");
    long canceled = fixture.create("SELECT 5", Map.of(), 3);
    fixture.executions.cancel(canceled, null);

    assertThat(expirer(Duration.ofHours(1), Duration.ZERO).runOnce().endedExpired()).isZero();
    fixture.awaitLeasesPast();
    assertThat(expirer(Duration.ofMillis(1), Duration.ZERO).runOnce().endedExpired()).isEqualTo(2);
    assertThat(fixture.status(failed)).isEqualTo("EXPIRED");
    assertThat(fixture.status(canceled)).isEqualTo("EXPIRED");
  }

  @Test
  void deletesExpiredRowsAfterTheHistoryRetentionUnlessItIsZero() {
    long id = fixture.create("SELECT 6", Map.of(), 3);
    fixture.executions.cancel(id, null);
    fixture.awaitLeasesPast();
    expirer(Duration.ofMillis(1), Duration.ZERO).runOnce();
    fixture.awaitLeasesPast();

    assertThat(expirer(Duration.ofMillis(1), Duration.ZERO).runOnce().rowsDeleted()).isZero();
    assertThat(fixture.executions.get(id)).isPresent();

    assertThat(expirer(Duration.ofMillis(1), Duration.ofMillis(1)).runOnce().rowsDeleted())
        .isEqualTo(1);
    assertThat(fixture.executions.get(id)).isEmpty();
  }

  private ExecutionExpirer expirer(Duration endedRetention, Duration historyRetention) {
    return new ExecutionExpirer(
        fixture.maintenance,
        fixture.results,
        new BookkeeperProperties.Expiry(
            Duration.ofMinutes(1), 2, Duration.ofSeconds(30), endedRetention, historyRetention),
        Clock.systemUTC(),
        new SimpleMeterRegistry());
  }
}
