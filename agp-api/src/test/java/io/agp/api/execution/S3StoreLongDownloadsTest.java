package io.agp.api.execution;

import io.agp.testkit.S3TestServer;

/** Long downloads from S3 (S3Proxy, in this JVM). */
class S3StoreLongDownloadsTest extends LongDownloadsTestBase {

  private static final String BUCKET = "long-downloads";

  S3StoreLongDownloadsTest() {
    super(s3Args());
  }

  private static String[] s3Args() {
    S3TestServer s3 = S3TestServer.shared();
    s3.createBucket(BUCKET);
    return new String[] {
      "--agp.results.location=s3://" + BUCKET + "/results",
      "--agp.results.s3.endpoint=" + s3.endpoint(),
      "--agp.results.s3.region=" + s3.region(),
      "--agp.results.s3.access-key=" + s3.accessKey(),
      "--agp.results.s3.secret-key=" + s3.secretKey(),
      "--agp.results.s3.path-style=true",
      "--agp.results.s3.checksums-when-required=true"
    };
  }
}
