package io.agp.testkit;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The test kit's S3 server as a process of its own, for benchmarks that must not share a JVM (its
 * heap, its collector, its threads) with the code they measure. Prints {@code endpoint <uri>} once
 * it listens, with the credentials {@link S3TestServer#EXTERNAL_ACCESS_KEY} and {@link
 * S3TestServer#EXTERNAL_SECRET_KEY} take; runs until killed. With a folder as its argument the
 * objects are files under it (jclouds' file-system store), else they are kept in memory: then give
 * the JVM a heap larger than what the benchmark stores at once.
 */
public final class S3ServerProcess {

  static final String ACCESS_KEY = "agp-bench-access-key";
  static final String SECRET_KEY = "agp-bench-secret-key";

  private S3ServerProcess() {}

  public static void main(String[] args) throws InterruptedException {
    S3TestServer server =
        args.length > 0
            ? S3TestServer.startOnDisk(Path.of(args[0]), ACCESS_KEY, SECRET_KEY)
            : S3TestServer.startWithCredentials(ACCESS_KEY, SECRET_KEY);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3-server-shutdown"));
    System.out.println("endpoint " + server.endpoint());
    System.out.println("access-key " + ACCESS_KEY);
    System.out.println("secret-key " + SECRET_KEY);
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
