package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end classes run unchanged against servers outside their JVM, as they do against
 * containers of current releases where a machine has Docker ({@link ModernServersTest}). Here the
 * outside servers are this JVM's ClickHouse and an S3Proxy of this test's own, with credentials of
 * its own, so that the way the suite reaches other servers is itself tested on every build.
 */
class ExternalServersTest {

  private static final String ACCESS_KEY = "outside-access-key";
  private static final String SECRET_KEY = "outside-secret-key";

  @Test
  void theEndToEndClassesPassAgainstServersOutsideTheirJvm() throws Exception {
    S3TestServer outside = S3TestServer.startWithCredentials(ACCESS_KEY, SECRET_KEY);
    try {
      ExternalServersSuite.Outcome outcome =
          ExternalServersSuite.run(
              ClickHouseTestServer.shared().httpUrl(),
              outside.endpoint(),
              ACCESS_KEY,
              SECRET_KEY,
              Map.of(),
              List.of(LocalStoreEndToEndTest.class.getName(), S3StoreEndToEndTest.class.getName()),
              Duration.ofMinutes(5));

      assertThat(outcome.exitStatus()).as(outcome.output()).isZero();
      long testsPerClass =
          Arrays.stream(EndToEndTestBase.class.getDeclaredMethods())
              .filter(m -> m.isAnnotationPresent(Test.class))
              .count();
      assertThat(outcome.succeeded()).as(outcome.output()).isEqualTo(2 * testsPerClass);
      // The child used the servers it was given: no ClickHouse of its own, its results in ours.
      assertThat(outcome.output()).doesNotContain("ClickHouse up in");
      assertThat(outside.keys("e2e")).isNotEmpty();
    } finally {
      outside.close();
    }
  }
}
