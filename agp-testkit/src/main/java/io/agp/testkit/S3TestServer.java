package io.agp.testkit;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
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
import org.jclouds.filesystem.reference.FilesystemConstants;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3-compatible server (S3Proxy over an in-memory jclouds blob store) on a loopback port, shared
 * by every test in the JVM; or, with the system property {@value #EXTERNAL_ENDPOINT} (and {@value
 * #EXTERNAL_ACCESS_KEY}, {@value #EXTERNAL_SECRET_KEY}), a server outside the JVM such as MinIO in
 * a container, read through the AWS SDK and never stopped from here.
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

  /** System property: the endpoint of an S3 outside this JVM to test against. */
  public static final String EXTERNAL_ENDPOINT = "agp.test.s3.endpoint";

  public static final String EXTERNAL_ACCESS_KEY = "agp.test.s3.access-key";
  public static final String EXTERNAL_SECRET_KEY = "agp.test.s3.secret-key";

  private static S3TestServer shared;

  /** The SDK's client of an external server; {@code null} for S3Proxy. */
  private final S3Client external;

  private final URI externalEndpoint;

  private final BlobStoreContext context;
  private final BlobStore blobStore;
  private final InetAddress host;
  private final String accessKey;
  private final String secretKey;
  private S3Proxy proxy;
  private int port;

  private S3TestServer(String accessKey, String secretKey) {
    // In memory, owned by this object rather than by S3Proxy: it outlives stop() and start().
    this(
        ContextBuilder.newBuilder("transient").build(BlobStoreContext.class), accessKey, secretKey);
  }

  private S3TestServer(BlobStoreContext context, String accessKey, String secretKey) {
    this.context = context;
    blobStore = context.getBlobStore();
    host = InetAddress.getLoopbackAddress();
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.external = null;
    this.externalEndpoint = null;
  }

  private S3TestServer(URI endpoint, String accessKey, String secretKey) {
    context = null;
    blobStore = null;
    host = null;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.externalEndpoint = endpoint;
    this.external =
        S3Client.builder()
            .httpClientBuilder(Apache5HttpClient.builder())
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .forcePathStyle(true)
            // Checksums only where the API demands them: S3Proxy refuses the SDK's others.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
            .build();
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

  /**
   * A server of its own that keeps its objects as files under {@code folder} (jclouds' file-system
   * store) rather than in the heap, for objects of gigabytes; the caller stops it.
   */
  public static S3TestServer startOnDisk(Path folder, String accessKey, String secretKey) {
    Properties overrides = new Properties();
    overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, folder.toString());
    S3TestServer server =
        new S3TestServer(
            ContextBuilder.newBuilder("filesystem")
                .overrides(overrides)
                .build(BlobStoreContext.class),
            accessKey,
            secretKey);
    server.start();
    return server;
  }

  /** The server for this JVM, started on first use (or the external one, when named). */
  public static synchronized S3TestServer shared() {
    String endpoint = System.getProperty(EXTERNAL_ENDPOINT, "");
    if (shared == null && !endpoint.isBlank()) {
      shared =
          new S3TestServer(
              URI.create(endpoint),
              System.getProperty(EXTERNAL_ACCESS_KEY, ""),
              System.getProperty(EXTERNAL_SECRET_KEY, ""));
    } else if (shared == null) {
      S3TestServer server = new S3TestServer(ACCESS_KEY, SECRET_KEY);
      server.start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3-test-server-shutdown"));
      shared = server;
    }
    return shared;
  }

  public synchronized URI endpoint() {
    if (external != null) {
      return externalEndpoint;
    }
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
    if (external != null) {
      try {
        external.createBucket(b -> b.bucket(name));
      } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException e) {
        // As S3Proxy's blob store: creating a bucket that exists leaves it as it is.
      }
      return;
    }
    blobStore.createContainerInLocation(null, name);
  }

  /**
   * Keys of the complete objects in a bucket, in key order: what a client would see on a real S3,
   * without the blobs that hold unfinished multipart uploads.
   */
  public List<String> keys(String bucket) {
    if (external != null) {
      return external.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
          .map(S3Object::key)
          .sorted()
          .toList();
    }
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
    if (external != null) {
      external.deleteObject(b -> b.bucket(bucket).key(key));
      return;
    }
    blobStore.removeBlob(bucket, key);
  }

  /** Multipart uploads started in a bucket and neither completed nor aborted. */
  public int pendingMultipartUploads(String bucket) {
    if (external != null) {
      return external.listMultipartUploads(b -> b.bucket(bucket)).uploads().size();
    }
    return blobStore.listMultipartUploads(bucket).size();
  }

  /** Starts the server, on the port it had before if it ran already. Does nothing if running. */
  public synchronized void start() {
    if (proxy != null || external != null) {
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
    if (external != null) {
      throw new TestAbortedException("an external S3 (" + externalEndpoint + ") is not stopped");
    }
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
    if (external != null) {
      external.close();
      return;
    }
    try {
      stop();
    } catch (RuntimeException e) {
      log.warn("S3 test server did not stop cleanly", e);
    }
    context.close();
  }
}
