package io.agp.results;

import java.net.URI;

/**
 * How to reach an S3-compatible store.
 *
 * @param endpoint the service URL, e.g. MinIO's; {@code null} for AWS
 * @param region the signing region; {@code null} for the SDK's default region lookup on AWS, and
 *     {@code us-east-1} with a custom endpoint (MinIO and most others accept any region)
 * @param accessKey static credentials; {@code null} for the SDK's default credential chain
 *     (environment, profile, container or instance role)
 * @param secretKey goes with {@code accessKey}
 * @param pathStyle {@code http://host/bucket/key} instead of {@code http://bucket.host/key}, which
 *     MinIO and S3Proxy need unless DNS is set up for buckets
 * @param checksumsWhenRequired send and check checksums only where the S3 API demands them, for
 *     servers that reject the SDK's default flexible checksums (S3Proxy); leave off for AWS and
 *     MinIO
 * @param partSizeBytes multipart part size, also the memory one upload holds per buffer; objects
 *     smaller than this are stored with a single request; at least {@value #MIN_PART_SIZE_BYTES}
 * @param maxConnections the most connections the client keeps to the store: a download holds one
 *     while it streams, an upload while it sends a part; a request beyond waits for one
 */
public record S3Options(
    URI endpoint,
    String region,
    String accessKey,
    String secretKey,
    boolean pathStyle,
    boolean checksumsWhenRequired,
    int partSizeBytes,
    int maxConnections) {

  /** S3 rejects smaller parts, except the last one. */
  public static final int MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;

  public static final int DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

  /** The SDK's own default. */
  public static final int DEFAULT_MAX_CONNECTIONS = 50;

  public S3Options {
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException("accessKey and secretKey go together");
    }
    if (partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new IllegalArgumentException(
          "partSizeBytes must be at least " + MIN_PART_SIZE_BYTES + ", was " + partSizeBytes);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "maxConnections must be at least 1, was " + maxConnections);
    }
  }

  /**
   * AWS with the SDK's default region and credentials, virtual-host addressing, 8 MiB parts, 50
   * connections.
   */
  public static S3Options defaults() {
    return new S3Options(
        null, null, null, null, false, false, DEFAULT_PART_SIZE_BYTES, DEFAULT_MAX_CONNECTIONS);
  }

  // Records print every component; the secret must never reach a log.
  @Override
  public String toString() {
    return "S3Options[endpoint="
        + endpoint
        + ", region="
        + region
        + ", accessKey="
        + accessKey
        + ", secretKey="
        + (secretKey == null ? null : "***")
        + ", pathStyle="
        + pathStyle
        + ", checksumsWhenRequired="
        + checksumsWhenRequired
        + ", partSizeBytes="
        + partSizeBytes
        + ", maxConnections="
        + maxConnections
        + "]";
  }
}
