package io.agp.it;

import io.agp.testkit.S3TestServer;
import java.util.Map;

class S3StoreEndToEndTest extends EndToEndTestBase {

  S3StoreEndToEndTest() {
    super(s3Properties());
  }

  private static Map<String, Object> s3Properties() {
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket("e2e");
    return Map.of(
        "agp.results.location", "s3://e2e/results-prefix",
        "agp.results.s3.endpoint", s3.endpoint().toString(),
        "agp.results.s3.region", s3.region(),
        "agp.results.s3.access-key", s3.accessKey(),
        "agp.results.s3.secret-key", s3.secretKey(),
        "agp.results.s3.path-style", "true",
        "agp.results.s3.checksums-when-required", "true");
  }
}
