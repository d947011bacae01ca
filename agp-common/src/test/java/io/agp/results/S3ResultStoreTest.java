package io.agp.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class S3ResultStoreTest extends ResultStoreContract {

  static final S3TestServer server = S3TestServer.shared();

  String bucket;

  @Override
  ResultStore emptyStore() {
    bucket = newBucket();
    return ResultStores.open(URI.create("s3://" + bucket + "/results"), options());
  }

  @Override
  List<String> everythingStored() {
    List<String> stored = new ArrayList<>(server.keys(bucket));
    for (int i = 0; i < server.pendingMultipartUploads(bucket); i++) {
      stored.add("(unfinished multipart upload)");
    }
    return stored;
  }

  static String newBucket() {
    String bucket = "agp-" + UUID.randomUUID();
    server.createBucket(bucket);
    return bucket;
  }

  static S3Options options() {
    return new S3Options(
        server.endpoint(),
        server.region(),
        server.accessKey(),
        server.secretKey(),
        true,
        true,
        S3Options.MIN_PART_SIZE_BYTES,
        S3Options.DEFAULT_MAX_CONNECTIONS);
  }

  @Test
  void startsAMultipartUploadOnlyWhenTheFirstPartOverflows() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      writeGenerated(upload.stream(), PART);
      assertThat(server.pendingMultipartUploads(bucket)).isZero();

      upload.stream().write(1);
      assertThat(server.pendingMultipartUploads(bucket)).isOne();

      upload.commit();
    }

    assertThat(server.pendingMultipartUploads(bucket)).isZero();
    assertThat(store.size("exec/result.csv")).hasValue(PART + 1);
  }

  @Test
  void keepsObjectsUnderTheLocationPrefix() throws IOException {
    put("exec/result.csv", "a,b\n");

    assertThat(server.keys(bucket)).containsExactly("results/exec/result.csv");
    assertThat(store.location()).isEqualTo(URI.create("s3://" + bucket + "/results/"));
  }
}
