package io.agp.testkit;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server (S3Proxy over an in-memory jclouds blob store) on a loopback port, shared
 * by every test in the JVM.
 *
 * <p>{@link #stop()} and {@link #start()} exist for fault tests: the data and the port survive a
 * restart, so a client built before the stop works again afterwards. They affect every test that
 * uses the shared server; tests that call them should not run concurrently with others (JUnit's
 * {@code @Isolated}).
 */
public final class S3TestServer {

  private static final Logger log = LoggerFactory.getLogger(S3TestServer.class);

  private static final String ACCESS_KEY = "agp-test-access-key";
  private static final String SECRET_KEY = "agp-test-secret-key";
  private static final String REGION = "us-east-1";

  /**
   * jclouds' local blob stores keep an unfinished multipart upload as ordinary blobs: its parts and
   * a stub under this prefix, and a marker named by the upload id. S3Proxy lists them like objects
   * (a real S3 would not); {@link #keys} leaves them out.
   */
  private static final String MULTIPART_PART_PREFIX = ".mpus-";

  private static S3TestServer shared;

  private final BlobStoreContext context;
  private final BlobStore blobStore;
  private final InetAddress host;
  private final String accessKey;
  private final String secretKey;
  private S3Proxy proxy;
  private int port;

  private S3TestServer(String accessKey, String secretKey) {
    // In memory, owned by this object rather than by S3Proxy: it outlives stop() and start().
    context = ContextBuilder.newBuilder("transient").build(BlobStoreContext.class);
    blobStore = context.getBlobStore();
    host = InetAddress.getLoopbackAddress();
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /**
   * A server of its own that takes these credentials, e.g. those a deployment file gives its object
   * store; the caller stops it.
   */
  public static S3TestServer startWithCredentials(String accessKey, String secretKey) {
    S3TestServer server = new S3TestServer(accessKey, secretKey);
    server.start();
    return server;
  }

  /** The server for this JVM, started on first use. */
  public static synchronized S3TestServer shared() {
    if (shared == null) {
      S3TestServer server = new S3TestServer(ACCESS_KEY, SECRET_KEY);
      server.start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3-test-server-shutdown"));
      shared = server;
    }
    return shared;
  }

  public synchronized URI endpoint() {
    return URI.create("http://" + host.getHostAddress() + ":" + port);
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String region() {
    return REGION;
  }

  public void createBucket(String name) {
    blobStore.createContainerInLocation(null, name);
  }

  /**
   * Keys of the complete objects in a bucket, in key order: what a client would see on a real S3,
   * without the blobs that hold unfinished multipart uploads.
   */
  public List<String> keys(String bucket) {
    Set<String> pendingUploadIds =
        blobStore.listMultipartUploads(bucket).stream()
            .map(MultipartUpload::id)
            .collect(Collectors.toSet());
    List<String> keys = new ArrayList<>();
    ListContainerOptions options = new ListContainerOptions().recursive();
    while (true) {
      PageSet<? extends StorageMetadata> page = blobStore.list(bucket, options);
      for (StorageMetadata entry : page) {
        if (entry.getType() == StorageType.BLOB
            && !entry.getName().startsWith(MULTIPART_PART_PREFIX)
            && !pendingUploadIds.contains(entry.getName())) {
          keys.add(entry.getName());
        }
      }
      if (page.getNextMarker() == null) {
        return keys;
      }
      options = new ListContainerOptions().recursive().afterMarker(page.getNextMarker());
    }
  }

  /** Removes an object behind the clients' backs, as another party (or a crashed one) would. */
  public void deleteObject(String bucket, String key) {
    blobStore.removeBlob(bucket, key);
  }

  /** Multipart uploads started in a bucket and neither completed nor aborted. */
  public int pendingMultipartUploads(String bucket) {
    return blobStore.listMultipartUploads(bucket).size();
  }

  /** Starts the server, on the port it had before if it ran already. Does nothing if running. */
  public synchronized void start() {
    if (proxy != null) {
      return;
    }
    S3Proxy started =
        S3Proxy.builder()
            .blobStore(blobStore)
            .endpoint(URI.create("http://" + host.getHostAddress() + ":" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .build();
    try {
      started.start();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not start on port " + port, e);
    }
    // Port 0 on the first start lets the OS pick a free port without a probe-then-bind race; later
    // starts bind the same port so that clients keep working.
    port = started.getPort();
    proxy = started;
    log.info("S3 test server listening on {}", endpoint());
  }

  /** Stops accepting requests; the data stays for the next {@link #start()}. */
  public synchronized void stop() {
    if (proxy == null) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    } finally {
      proxy = null;
    }
  }

  /** Stops the server and drops its data. */
  public synchronized void close() {
    try {
      stop();
    } catch (RuntimeException e) {
      log.warn("S3 test server did not stop cleanly", e);
    }
    context.close();
  }
}
