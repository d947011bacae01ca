package io.agp.api.result;

import io.agp.execution.ResultMetadata;
import io.agp.results.InlineResult;
import io.agp.results.ResultStore;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.stereotype.Component;

/**
 * The bytes of a settled execution's result, wherever the worker kept them: in the execution's row
 * for a small one (the tier's {@code inline-result-size}), which the API has read already, else in
 * the result store.
 */
@Component
class StoredResults {

  private final ResultStore store;

  StoredResults(ResultStore store) {
    this.store = store;
  }

  /**
   * The whole result.
   *
   * @throws io.agp.results.NoSuchResultException if the store has no object under its key
   */
  InputStream open(ResultMetadata result) throws IOException {
    InlineResult inline = result.inline();
    return inline != null ? inline.open(0) : store.open(result.key());
  }

  /** The result from a byte offset on, as {@link ResultStore#open(String, long)}. */
  InputStream open(ResultMetadata result, long offset) throws IOException {
    InlineResult inline = result.inline();
    return inline != null ? inline.open(offset) : store.open(result.key(), offset);
  }

  /**
   * At most {@code length} bytes from an offset on, as {@link ResultStore#open(String, long,
   * long)}.
   */
  InputStream open(ResultMetadata result, long offset, long length) throws IOException {
    InlineResult inline = result.inline();
    return inline != null ? inline.open(offset, length) : store.open(result.key(), offset, length);
  }

  /** An object of the store beside the results, such as a row index. */
  InputStream openStored(String key) throws IOException {
    return store.open(key);
  }
}
