package io.agp.api.execution;

import io.agp.testkit.S3TestServer;

/**
 * Long downloads from S3 (S3Proxy, in this JVM). What a download holds there is a connection of the
 * S3 client's pool, leased for as long as the object is read.
 *
 * <p>The pool is observed through the kernel: the TCP connections of this process to S3Proxy's port
 * that are established, from {@code /proc/self/net/tcp6} (and {@code tcp}) matched to the process's
 * own sockets. That sees what matters (a socket held open) whatever holds it, without a hook in the
 * production code to reach the SDK's pool. The pool also keeps idle connections for reuse, which
 * the kernel cannot tell from leased ones, and which downloads take before opening new ones; so "as
 * it was" means no more connections than before, and none with bytes of an object waiting unread in
 * its socket: a download abandoned half-way leaves its connection exactly so, since S3 goes on
 * sending until the socket's buffer is full, while a connection back in the pool has read its
 * response to the end.
 */
class S3StoreLongDownloadsTest extends LongDownloadsTestBase {

  private static final String BUCKET = "long-downloads";

  S3StoreLongDownloadsTest() {
    super(s3Args());
  }

  @Override
  long openInStore() {
    return OpenResources.connectionsTo(s3Port()).size();
  }

  @Override
  long abandonedInStore() {
    return OpenResources.connectionsTo(s3Port()).stream()
        .filter(connection -> connection.unreadBytes() > 0)
        .count();
  }

  private static int s3Port() {
    return S3TestServer.shared().endpoint().getPort();
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
