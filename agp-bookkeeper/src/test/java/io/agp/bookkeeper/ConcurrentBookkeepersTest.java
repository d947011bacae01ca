package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.expiry.ExecutionExpirer;
import io.agp.bookkeeper.orphans.OrphanSweeper;
import io.agp.bookkeeper.rescue.DeadExecutionRequeuer;
import io.agp.bookkeeper.secrets.ParameterWiper;
import io.agp.execution.AttemptId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Two bookkeepers running every duty at once must leave the state one bookkeeper leaves. */
class ConcurrentBookkeepersTest {

  @Test
  void twoBookkeepersLeaveTheSameStateAsOne() throws Exception {
    try (Fixture alone = new Fixture();
        Fixture shared = new Fixture()) {
      seed(alone);
      seed(shared);

      List<Runnable> one = duties(alone);
      for (int round = 0; round < 3; round++) {
        one.forEach(Runnable::run);
      }
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      try (ExecutorService bookkeepers = Executors.newFixedThreadPool(2)) {
        for (int b = 0; b < 2; b++) {
          List<Runnable> duties = duties(shared);
          futures.add(
              bookkeepers.submit(
                  () -> {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                      duties.forEach(Runnable::run);
                    }
                    return null;
                  }));
        }
        start.countDown();
      }
      for (Future<?> future : futures) {
        future.get();
      }

      assertThat(state(shared)).isEqualTo(state(alone)).isNotEmpty();
      assertThat(shared.storedKeys()).hasSameSizeAs(alone.storedKeys());
    }
  }

  /** Executions of every kind the duties touch, created the same way in each database. */
  private static void seed(Fixture fixture) throws Exception {
    for (int i = 0; i < 30; i++) {
      fixture.create("SELECT " + i, Map.of("secret", "s" + i), 2);
      AttemptId attemptId =
          fixture.claim(i % 3 == 0 ? Duration.ofMillis(1) : Duration.ofMinutes(5));
      switch (i % 6) {
        case 1 -> fixture.succeed(attemptId, Duration.ofMillis(1));
        case 2 -> fixture.succeed(attemptId, Duration.ofHours(1));
        case 4 -> fixture.executions.fail(attemptId, "boom");
        case 5 -> fixture.executions.cancel(attemptId.executionId(), null);
        default -> {}
      }
    }
    for (int i = 0; i < 10; i++) {
      fixture.store("results/orphan-" + i + ".json");
    }
    fixture.awaitLeasesPast();
  }

  private static List<Runnable> duties(Fixture fixture) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5));
    DeadExecutionRequeuer requeuer =
        new DeadExecutionRequeuer(
            fixture.maintenance,
            fixture.clickhouse,
            new BookkeeperProperties.Rescue(Duration.ofSeconds(1), 3),
            meters);
    ExecutionExpirer expirer =
        new ExecutionExpirer(
            fixture.maintenance,
            fixture.results,
            new BookkeeperProperties.Expiry(
                Duration.ofSeconds(1),
                3,
                Duration.ofSeconds(30),
                Duration.ofMillis(1),
                Duration.ZERO),
            clock,
            meters);
    OrphanSweeper sweeper =
        new OrphanSweeper(
            fixture.maintenance,
            fixture.results,
            new BookkeeperProperties.Orphans(Duration.ofSeconds(1), Duration.ZERO),
            clock,
            meters);
    ParameterWiper wiper =
        new ParameterWiper(
            fixture.maintenance, new BookkeeperProperties.Secrets(Duration.ofSeconds(1), 3));
    return List.of(requeuer::runOnce, expirer::runOnce, sweeper::runOnce, wiper::runOnce);
  }

  /** Status, attempt and whether parameters remain, per execution in creation order. */
  private static List<String> state(Fixture fixture) {
    return fixture
        .jdbc
        .sql(
            "select status || '/' || attempt || '/' || (parameters is null)"
                + " from executions order by created_at, id")
        .query(String.class)
        .list();
  }
}
