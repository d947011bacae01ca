package io.agp.bookkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.bookkeeper.secrets.ParameterWiper;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParameterWiperTest {

  private final Fixture fixture = new Fixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void wipesParametersLeftOnEndedExecutionsOnly() {
    long ended = fixture.create("SELECT 1", Map.of("token", "secret"), 3);
    fixture.claim(Duration.ofMinutes(1));
    // An execution ended without its worker's wipe, e.g. set FAILED by hand.
    fixture
        .jdbc
        .sql("update executions set status = 'FAILED' where id = :id")
        .param("id", ended)
        .update();
    long pending = fixture.create("SELECT 2", Map.of("token", "still needed"), 3);

    ParameterWiper.Report report =
        new ParameterWiper(
                fixture.maintenance, new BookkeeperProperties.Secrets(Duration.ofMinutes(1), 1))
            .runOnce();

    assertThat(report.wiped()).isEqualTo(1);
    assertThat(parameters(ended)).isEqualTo("none");
    assertThat(parameters(pending)).contains("still needed");
  }

  /** The execution's token parameter, or "none" once its parameters are wiped. */
  private String parameters(long id) {
    return fixture
        .jdbc
        .sql("select coalesce(parameters ->> 'token', 'none') from executions where id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }
}
