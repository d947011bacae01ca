package io.agp.results;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where results are stored ({@code agp.results.*}).
 *
 * @param location {@code s3://bucket/prefix}, {@code file:///absolute/folder}, or a plain folder
 *     path (relative to the working directory)
 */
@Validated
@ConfigurationProperties("agp.results")
public record ResultStoreProperties(
    @DefaultValue("./agp-results") @NotBlank String location, @DefaultValue @Valid S3 s3) {

  /** The location as a URI; a plain path becomes an absolute file URI. */
  public URI locationUri() {
    if (location.startsWith("s3://") || location.startsWith("file:")) {
      return URI.create(location);
    }
    return Path.of(location).toAbsolutePath().normalize().toUri();
  }

  /**
   * S3 client settings; the defaults suit AWS S3.
   *
   * @param endpoint for MinIO and other S3-compatible stores; empty means AWS
   * @param accessKey empty means the SDK's default credential chain (environment, profile, role)
   * @param pathStyle bucket in the path rather than the host name (MinIO wants it)
   * @param checksumsWhenRequired send and check checksums only where the operation requires them
   *     (some S3-compatible servers reject the SDK's default checksums)
   * @param partSize multipart part size; memory per running upload is bounded by it
   * @param maxConnections the most connections to the store; 0 lets the app choose from what it
   *     runs at once (see {@link StoreConnections})
   */
  public record S3(
      @DefaultValue("") String endpoint,
      @DefaultValue("us-east-1") @NotBlank String region,
      @DefaultValue("") String accessKey,
      @DefaultValue("") String secretKey,
      @DefaultValue("false") boolean pathStyle,
      @DefaultValue("false") boolean checksumsWhenRequired,
      @DefaultValue("8MB") @NotNull DataSize partSize,
      @DefaultValue("0") @PositiveOrZero int maxConnections) {

    /**
     * The client's options; without a configured {@code max-connections}, {@code appConnections}.
     */
    public S3Options options(int appConnections) {
      return new S3Options(
          endpoint.isBlank() ? null : URI.create(endpoint),
          region,
          accessKey.isBlank() ? null : accessKey,
          secretKey.isBlank() ? null : secretKey,
          pathStyle,
          checksumsWhenRequired,
          Math.toIntExact(partSize.toBytes()),
          maxConnections > 0 ? maxConnections : appConnections);
    }
  }
}
