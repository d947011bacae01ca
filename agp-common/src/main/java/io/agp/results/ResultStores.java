package io.agp.results;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Opens the {@link ResultStore} that a location URI names. */
public final class ResultStores {

  private ResultStores() {}

  /**
   * Opens {@code file:///absolute/folder} (created if missing) or {@code s3://bucket[/prefix]}.
   *
   * @param s3 how to reach S3; ignored for {@code file:} locations, {@link S3Options#defaults()} if
   *     {@code null}
   */
  public static ResultStore open(URI location, S3Options s3) {
    String scheme = location.getScheme() == null ? "" : location.getScheme();
    return switch (scheme.toLowerCase(Locale.ROOT)) {
      case "file" -> new LocalResultStore(Path.of(location));
      case "s3" -> openS3(location, s3 == null ? S3Options.defaults() : s3);
      default ->
          throw new IllegalArgumentException(
              "result location must be file:///folder or s3://bucket/prefix, was " + location);
    };
  }

  private static ResultStore openS3(URI location, S3Options options) {
    // The authority, not the host: URI leaves the host null for names it deems invalid host names.
    String bucket = location.getRawAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("no bucket in " + location);
    }
    String path = location.getPath() == null ? "" : location.getPath();
    String prefix = path.startsWith("/") ? path.substring(1) : path;
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    ResultKeys.checkPrefix(prefix);
    URI normalized = URI.create("s3://" + bucket + "/" + prefix);
    return new S3ResultStore(client(options), bucket, prefix, options.partSizeBytes(), normalized);
  }

  private static S3Client client(S3Options options) {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(Apache5HttpClient.builder().maxConnections(options.maxConnections()))
            .forcePathStyle(options.pathStyle());
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    if (options.region() != null) {
      builder.region(Region.of(options.region()));
    } else if (options.endpoint() != null) {
      builder.region(Region.US_EAST_1);
    }
    if (options.accessKey() != null) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(options.accessKey(), options.secretKey())));
    }
    if (options.checksumsWhenRequired()) {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return builder.build();
  }
}
