package io.agp.clickhouse;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code X-ClickHouse-Summary} response header: what the server had counted of a query when it
 * sent the head of its answer. That is the end of the query only when the whole answer fitted in
 * the server's first output buffer ({@link #SERVER_BUFFER_BYTES}); a larger answer has its head
 * sent when that buffer first fills, with the figures of that moment.
 *
 * <p>Servers before 22.5 send no summary (18.16) or one of zeros; 23.x adds {@code elapsed_ns}, and
 * a few versions a peak memory ({@code peak_memory_usage}). Every value is a JSON string.
 *
 * @param elapsedNanos empty where the server does not tell
 * @param peakMemoryBytes empty where the server does not tell
 */
public record QuerySummary(
    long readRows, long readBytes, OptionalLong elapsedNanos, OptionalLong peakMemoryBytes) {

  /** The server's HTTP output buffer (DBMS_DEFAULT_BUFFER_SIZE): its head waits until it fills. */
  public static final long SERVER_BUFFER_BYTES = 1024 * 1024;

  public static final String HEADER = "X-ClickHouse-Summary";

  /**
   * Whether a summary that came with an answer of {@code answerBytes} was written at the query's
   * end: only an answer smaller than the server's first buffer had its head wait for the end.
   */
  public static boolean writtenAtEnd(long answerBytes) {
    return answerBytes < SERVER_BUFFER_BYTES;
  }

  private static final Pattern FIELD = Pattern.compile("\"([a-z_]+)\"\\s*:\\s*\"?(\\d+)\"?");

  /**
   * Reads a summary header; empty when it is malformed, lacks the rows or bytes read, or counts
   * nothing at all (what servers before 22.5 send unless asked for progress headers).
   */
  public static Optional<QuerySummary> parse(String header) {
    if (header == null) {
      return Optional.empty();
    }
    OptionalLong readRows = OptionalLong.empty();
    OptionalLong readBytes = OptionalLong.empty();
    OptionalLong elapsedNanos = OptionalLong.empty();
    OptionalLong peakMemory = OptionalLong.empty();
    Matcher matcher = FIELD.matcher(header);
    while (matcher.find()) {
      long value;
      try {
        value = Long.parseLong(matcher.group(2));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      switch (matcher.group(1)) {
        case "read_rows" -> readRows = OptionalLong.of(value);
        case "read_bytes" -> readBytes = OptionalLong.of(value);
        case "elapsed_ns" -> elapsedNanos = OptionalLong.of(value);
        case "peak_memory_usage" -> peakMemory = OptionalLong.of(value);
        default -> {
          // written rows, result rows (0 until the query's very end on most versions), ...
        }
      }
    }
    if (readRows.isEmpty() || readBytes.isEmpty()) {
      return Optional.empty();
    }
    if (readRows.getAsLong() == 0 && readBytes.getAsLong() == 0) {
      return Optional.empty();
    }
    return Optional.of(
        new QuerySummary(readRows.getAsLong(), readBytes.getAsLong(), elapsedNanos, peakMemory));
  }
}
