package io.agp.results;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Where query results are kept: an S3 bucket (under a prefix) or a local folder. Obtain one from
 * {@link ResultStores#open}.
 *
 * <p>Keys are relative paths: segments separated by {@code /}, none of them empty, {@code .} or
 * {@code ..}, and no leading {@code /}. Any other key is rejected with an {@link
 * IllegalArgumentException}, by every store alike.
 */
public interface ResultStore extends AutoCloseable {

  /**
   * Starts writing an object. Nothing is visible under the key until {@link ResultUpload#commit()};
   * committing over an existing object replaces it.
   */
  ResultUpload upload(String key);

  /**
   * Reads a whole object.
   *
   * @throws NoSuchResultException if there is no object under the key
   */
  InputStream open(String key) throws IOException;

  /**
   * Reads an object from a byte offset on, for HTTP range requests and resumed downloads. An offset
   * at or past the end gives an empty stream.
   *
   * @throws NoSuchResultException if there is no object under the key
   */
  InputStream open(String key, long offset) throws IOException;

  /**
   * Reads at most {@code length} bytes of an object from a byte offset on: a ranged read, for the
   * pages of a result that its row index locates.
   *
   * @throws NoSuchResultException if there is no object under the key
   */
  default InputStream open(String key, long offset, long length) throws IOException {
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length);
    }
    return new BoundedInputStream(open(key, offset), length);
  }

  /** The object's size in bytes, or empty if there is no object under the key. */
  OptionalLong size(String key) throws IOException;

  /** Removes an object; removing an absent one is not an error. */
  void delete(String key) throws IOException;

  /**
   * The committed objects whose keys start with {@code prefix} ({@code ""} for all), in no
   * particular order. The stream holds resources: close it. Errors met while it is consumed are
   * thrown as {@link java.io.UncheckedIOException}.
   */
  Stream<StoredObject> list(String prefix) throws IOException;

  /**
   * The uploads under {@code prefix} started and neither committed nor aborted, in no particular
   * order: those in progress, and the leftovers of workers that died in the middle. The stream
   * holds resources: close it.
   */
  Stream<UnfinishedUpload> listUnfinished(String prefix) throws IOException;

  /**
   * Discards an unfinished upload and what it wrote; one already gone is not an error. The caller
   * makes sure that nobody writes it any more.
   */
  void abortUnfinished(UnfinishedUpload upload) throws IOException;

  /** Where the objects are, e.g. {@code s3://bucket/prefix/} or {@code file:///var/lib/agp/}. */
  URI location();

  /** Releases the store's clients; uploads and streams still open must not be used afterwards. */
  @Override
  default void close() {}
}
