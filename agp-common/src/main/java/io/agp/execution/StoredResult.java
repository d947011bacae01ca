package io.agp.execution;

import io.agp.results.InlineResult;
import io.agp.results.ResultCompression;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a worker hands over when it completes an execution; the database sets the expiry.
 *
 * @param inline the result itself when it is small enough to be kept in the row (no object is then
 *     stored under the key), else null
 */
public record StoredResult(
    String key,
    long rows,
    long bytes,
    List<ResultMetadata.Column> columns,
    String compression,
    long durationMillis,
    InlineResult inline) {

  /** Where every result lives in the result store; the bookkeeper sweeps orphans under it. */
  public static final String KEY_PREFIX = "results/";

  private static final Pattern ATTEMPT_KEY =
      Pattern.compile(Pattern.quote(KEY_PREFIX) + "(\\d{1,18})-(\\d{1,9})\\..*");

  public StoredResult {
    columns = columns == null ? List.of() : List.copyOf(columns);
  }

  /** A result stored under its key. */
  public StoredResult(
      String key,
      long rows,
      long bytes,
      List<ResultMetadata.Column> columns,
      String compression,
      long durationMillis) {
    this(key, rows, bytes, columns, compression, durationMillis, null);
  }

  /** The key of one attempt's result, e.g. {@code results/42-1.csv.gz}. */
  public static String keyFor(
      AttemptId attemptId, ResultFormat format, ResultCompression compression) {
    return KEY_PREFIX
        + attemptId.executionId()
        + "-"
        + attemptId.attempt()
        + "."
        + format.extension()
        + compression.suffix();
  }

  /** The attempt whose result a key of {@link #keyFor} names; empty for any other key. */
  public static Optional<AttemptId> attemptOf(String key) {
    Matcher matcher = ATTEMPT_KEY.matcher(key);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new AttemptId(Long.parseLong(matcher.group(1)), Integer.parseInt(matcher.group(2))));
  }
}
