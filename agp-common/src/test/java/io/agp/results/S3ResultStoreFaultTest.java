package io.agp.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Stops the shared S3 server mid-upload; nothing else may use it meanwhile. */
@Isolated
class S3ResultStoreFaultTest {

  static final S3TestServer server = S3TestServer.shared();
  static final long PART = S3Options.MIN_PART_SIZE_BYTES;

  String bucket;
  ResultStore store;

  @BeforeEach
  void openStore() {
    bucket = S3ResultStoreTest.newBucket();
    store =
        ResultStores.open(URI.create("s3://" + bucket + "/results"), S3ResultStoreTest.options());
  }

  @Test
  void writeFailsWhenS3GoesAwayAndNothingBecomesVisible() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      // The writer waits for part 1 before it sends part 2, so part 1 is stored.
      ResultStoreContract.writeGenerated(upload.stream(), 2 * PART + 1);
      assertThat(server.pendingMultipartUploads(bucket)).isOne();

      server.stop();
      try {
        assertThatThrownBy(() -> ResultStoreContract.writeGenerated(upload.stream(), 3 * PART))
            .isInstanceOf(IOException.class);
        assertThatThrownBy(upload::commit).isInstanceOf(IOException.class);
      } finally {
        server.start();
      }
    }

    assertNothingVisible();
  }

  @Test
  void commitFailsWhenS3GoesAwayAndNothingBecomesVisible() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      ResultStoreContract.writeGenerated(upload.stream(), 2 * PART + 1);

      server.stop();
      try {
        assertThatThrownBy(upload::commit).isInstanceOf(IOException.class);
      } finally {
        server.start();
      }
    }

    assertNothingVisible();
  }

  private void assertNothingVisible() throws IOException {
    assertThatThrownBy(() -> store.open("exec/result.csv"))
        .isInstanceOf(NoSuchResultException.class);
    try (var listed = store.list("")) {
      assertThat(listed).isEmpty();
    }
    assertThat(server.keys(bucket)).isEmpty();
    // The abort could not reach S3 at first; it is tried again until S3 is back.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(server.pendingMultipartUploads(bucket)).isZero());
  }
}
