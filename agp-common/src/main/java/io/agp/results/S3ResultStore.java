package io.agp.results;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Iterator;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Objects in one bucket under a key prefix, uploaded by {@link S3ResultUpload}. */
final class S3ResultStore implements ResultStore {

  private static final int RANGE_NOT_SATISFIABLE = 416;
  private static final int NOT_FOUND = 404;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final int partSizeBytes;
  private final URI location;

  /**
   * @param prefix empty, or ending with {@code /}
   */
  S3ResultStore(S3Client s3, String bucket, String prefix, int partSizeBytes, URI location) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix;
    this.partSizeBytes = partSizeBytes;
    this.location = location;
  }

  @Override
  public ResultUpload upload(String key) {
    return new S3ResultUpload(s3, bucket, objectKey(key), partSizeBytes);
  }

  @Override
  public InputStream open(String key) throws IOException {
    return open(key, 0);
  }

  @Override
  public InputStream open(String key, long offset) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    // No range at offset 0: S3 answers 416 to "bytes=0-" on an empty object.
    return get(key, offset > 0 ? "bytes=" + offset + "-" : null);
  }

  @Override
  public InputStream open(String key, long offset, long length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset " + offset + " or length " + length);
    }
    if (length == 0) {
      size(key).orElseThrow(() -> new NoSuchResultException(key));
      return InputStream.nullInputStream();
    }
    return get(key, "bytes=" + offset + "-" + (offset + length - 1));
  }

  private InputStream get(String key, String range) throws IOException {
    GetObjectRequest.Builder request =
        GetObjectRequest.builder().bucket(bucket).key(objectKey(key));
    if (range != null) {
      request.range(range);
    }
    try {
      return new ObjectStream(s3.getObject(request.build()));
    } catch (NoSuchKeyException e) {
      throw new NoSuchResultException(key);
    } catch (S3Exception e) {
      if (e.statusCode() == RANGE_NOT_SATISFIABLE) {
        // S3 checks that the key exists before the range, so this is an offset at or past the end.
        return InputStream.nullInputStream();
      }
      throw failure("read", key, e);
    } catch (SdkException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public OptionalLong size(String key) throws IOException {
    try {
      Long length = s3.headObject(b -> b.bucket(bucket).key(objectKey(key))).contentLength();
      return OptionalLong.of(Objects.requireNonNullElse(length, 0L));
    } catch (NoSuchKeyException e) {
      return OptionalLong.empty();
    } catch (S3Exception e) {
      // A HEAD response has no body to name the error; some servers' 404s are not NoSuchKey.
      if (e.statusCode() == NOT_FOUND) {
        return OptionalLong.empty();
      }
      throw failure("read the size of", key, e);
    } catch (SdkException e) {
      throw failure("read the size of", key, e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(objectKey(key)));
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public Stream<StoredObject> list(String keyPrefix) throws IOException {
    String fullPrefix = prefix + ResultKeys.checkPrefix(keyPrefix);
    // The paginator fetches a page only when the one before is used up, so a sweep over a large
    // bucket holds one page at a time.
    return paged(
        () ->
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(fullPrefix))
                .contents()
                .iterator(),
        object ->
            new StoredObject(
                object.key().substring(prefix.length()),
                Objects.requireNonNullElse(object.size(), 0L),
                object.lastModified()),
        fullPrefix);
  }

  @Override
  public Stream<UnfinishedUpload> listUnfinished(String keyPrefix) throws IOException {
    String fullPrefix = prefix + ResultKeys.checkPrefix(keyPrefix);
    return paged(
        () ->
            s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(fullPrefix))
                .uploads()
                .iterator(),
        upload ->
            new UnfinishedUpload(
                upload.key().substring(prefix.length()), upload.uploadId(), upload.initiated()),
        "the multipart uploads of " + fullPrefix);
  }

  @Override
  public void abortUnfinished(UnfinishedUpload upload) throws IOException {
    try {
      s3.abortMultipartUpload(
          b -> b.bucket(bucket).key(objectKey(upload.key())).uploadId(upload.handle()));
    } catch (NoSuchUploadException e) {
      // Completed or aborted meanwhile.
    } catch (SdkException e) {
      throw failure("abort the upload of", upload.key(), e);
    }
  }

  /**
   * A stream over the pages of a listing, fetched as it is consumed; the SDK's errors surface as
   * {@link UncheckedIOException}s.
   */
  private <S, T> Stream<T> paged(Supplier<Iterator<S>> pages, Function<S, T> map, String listed)
      throws IOException {
    Iterator<S> source;
    try {
      source = pages.get();
    } catch (SdkException e) {
      throw failure("list", listed, e);
    }
    Iterator<T> mapped =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            try {
              return source.hasNext();
            } catch (SdkException e) {
              throw new UncheckedIOException(failure("list", listed, e));
            }
          }

          @Override
          public T next() {
            try {
              return map.apply(source.next());
            } catch (SdkException e) {
              throw new UncheckedIOException(failure("list", listed, e));
            }
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(mapped, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  @Override
  public URI location() {
    return location;
  }

  private String objectKey(String key) {
    return prefix + ResultKeys.checkKey(key);
  }

  private IOException failure(String action, String key, SdkException e) {
    return new IOException(
        "could not " + action + " " + key + " in " + location + ": " + e.getMessage(), e);
  }

  /**
   * Closing the SDK's stream early would read the rest of the object to keep the connection, which
   * for a large result a client gave up on is the opposite of what we want: drop the connection.
   */
  @Override
  public void close() {
    s3.close();
  }

  private static final class ObjectStream extends FilterInputStream {

    private final ResponseInputStream<GetObjectResponse> response;
    private boolean ended;

    ObjectStream(ResponseInputStream<GetObjectResponse> response) {
      super(response);
      this.response = response;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      ended |= b < 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      ended |= n < 0;
      return n;
    }

    @Override
    public void close() throws IOException {
      if (!ended) {
        response.abort();
      }
      super.close();
    }
  }
}
