package io.agp.api.result;

import io.agp.api.AnswerCompression;
import io.agp.api.UserLimits;
import io.agp.api.usage.UsageRecorder;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata;
import io.agp.results.ResultCompression;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Streams a stored result: with its format's content type and a file name; a stored encoding is
 * passed through when the client accepts it and decoded on the fly otherwise; a single byte range
 * is served when the bytes go out as stored, so that a broken download can resume.
 *
 * <p>The bytes go out in an asynchronous request of our own, without the time limit of Spring's
 * ({@code spring.mvc.async.request-timeout}, which cut any download slower than it): a large result
 * read by a slow client takes as long as it takes. What ends a download that stopped moving is
 * {@link DownloadWatchdog}.
 */
@Component
class ResultDownloads {

  /** A servlet timeout of 0 is none. */
  private static final long NO_TIME_LIMIT = 0;

  private final StoredResults results;
  private final DownloadWatchdog watchdog;
  private final UserLimits limits;
  private final Clock clock;
  private final UsageRecorder usage;

  ResultDownloads(
      StoredResults results,
      DownloadWatchdog watchdog,
      UserLimits limits,
      Clock clock,
      UsageRecorder usage) {
    this.results = results;
    this.watchdog = watchdog;
    this.limits = limits;
    this.clock = clock;
    this.usage = usage;
  }

  /**
   * Checks that the result can be served, sets the response's status and headers and starts sending
   * the bytes, which goes on after the request's thread has returned. Refusals (404, 406, 410, 416)
   * are thrown before anything is sent.
   *
   * @param holder whom the download counts against (the caller, or the client's address for a
   *     signed link): each may hold {@code agp.api.per-user.downloads} at once (else 429)
   * @param user whose usage the bytes sent are (the caller, or the creator for a signed link)
   */
  void serve(
      Execution execution,
      String holder,
      String user,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
    // The stored bytes (or their decoding) go out as they are: ranges and lengths are theirs.
    AnswerCompression.sendAsIs(request);
    ResultMetadata result = execution.result();
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    String compression =
        result.compression() == null ? null : result.compression().toLowerCase(Locale.ROOT);
    boolean passThrough =
        compression == null || accepts(request.getHeader(HttpHeaders.ACCEPT_ENCODING), compression);
    // Decoded on the fly when the client does not accept the stored encoding.
    ResultCompression encoding =
        passThrough
            ? ResultCompression.NONE
            : ResultCompression.fromRecorded(compression)
                .orElseThrow(() -> new EncodingNotAcceptableException(execution.id(), compression));
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(MediaType.parseMediaType(format.contentType()));
    headers.setContentDisposition(
        ContentDisposition.attachment()
            .filename("execution-" + execution.id() + "." + format.extension())
            .build());
    if (compression != null) {
      headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
    }
    UserLimits.Lease held = limits.open(UserLimits.Kind.DOWNLOADS, holder);
    Release lease = new Release(held, execution.tier(), user);
    try {
      serve(execution, request, response, headers, passThrough, encoding, lease);
    } catch (IOException | RuntimeException e) {
      // Nothing started: the download does not count.
      held.close();
      throw e;
    }
  }

  private void serve(
      Execution execution,
      HttpServletRequest request,
      HttpServletResponse response,
      HttpHeaders headers,
      boolean passThrough,
      ResultCompression encoding,
      Release lease)
      throws IOException {
    ResultMetadata result = execution.result();
    String compression =
        result.compression() == null ? null : result.compression().toLowerCase(Locale.ROOT);
    if (!passThrough) {
      // Recoded bytes have another length and no stable offsets: no Content-Length, no ranges.
      InputStream encoded = results.open(result);
      send(execution, request, response, HttpStatus.OK, headers, encoded, decoded(encoding), lease);
      return;
    }
    if (compression != null) {
      headers.set(HttpHeaders.CONTENT_ENCODING, compression);
    }
    headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
    long size = result.bytes();
    String rangeHeader = request.getHeader(HttpHeaders.RANGE);
    List<HttpRange> ranges = parseRanges(rangeHeader);
    if (ranges.size() == 1) {
      HttpRange range = ranges.getFirst();
      long start;
      long end;
      try {
        start = range.getRangeStart(size);
        end = range.getRangeEnd(size);
      } catch (IllegalArgumentException e) {
        throw new RangeNotSatisfiableException(size);
      }
      if (start >= size || start > end) {
        throw new RangeNotSatisfiableException(size);
      }
      long length = end - start + 1;
      // Opened before the response is committed, so that a missing object is still a clean error.
      InputStream stored = results.open(result, start);
      headers.setContentLength(length);
      headers.set(HttpHeaders.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + size);
      send(
          execution,
          request,
          response,
          HttpStatus.PARTIAL_CONTENT,
          headers,
          stored,
          Download.exactly(length),
          lease);
      return;
    }
    InputStream stored = results.open(result);
    headers.setContentLength(size);
    send(
        execution,
        request,
        response,
        HttpStatus.OK,
        headers,
        stored,
        Download.exactly(size),
        lease);
  }

  private void send(
      Execution execution,
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      HttpHeaders headers,
      InputStream stored,
      Download.Body body,
      Release lease)
      throws IOException {
    AsyncContext async;
    try {
      // The request's own objects, not Spring's wrappers of them: the download outlives the
      // handler, and writes without blocking, which Spring's asynchronous requests do not do.
      async = request.startAsync();
    } catch (IllegalStateException e) {
      // Nothing went out: the refusal is still a clean error.
      stored.close();
      throw e;
    }
    async.setTimeout(NO_TIME_LIMIT);
    response.setStatus(status.value());
    headers.forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    Download download =
        new Download(execution.id(), stored, body, ConnectionDrops.of(request), clock);
    watchdog.watch(download);
    download.start(
        async,
        bytes -> {
          watchdog.forget(download);
          lease.held().close();
          // Off this thread: the last bytes of the download are still to be written.
          usage.download(lease.tier(), lease.user(), bytes);
        });
  }

  /** What a download lets go of when it ends, and whose usage it was. */
  private record Release(UserLimits.Lease held, String tier, String user) {}

  /** One range, or none when the header is absent, malformed or asks for several (RFC 9110). */
  private static List<HttpRange> parseRanges(String header) {
    if (header == null) {
      return List.of();
    }
    try {
      List<HttpRange> ranges = HttpRange.parseRanges(header);
      return ranges.size() == 1 ? ranges : List.of();
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  /** Whether an Accept-Encoding header allows the coding (q=0 refuses it, * allows any). */
  static boolean accepts(String acceptEncoding, String coding) {
    if (acceptEncoding == null) {
      return false;
    }
    boolean star = false;
    for (String item : acceptEncoding.split(",")) {
      String[] parts = item.strip().split(";");
      String name = parts[0].strip().toLowerCase(Locale.ROOT);
      boolean refused = false;
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].strip().replace(" ", "");
        if (param.startsWith("q=")) {
          try {
            refused = Double.parseDouble(param.substring(2)) <= 0;
          } catch (NumberFormatException e) {
            refused = true;
          }
        }
      }
      if (name.equals(coding)) {
        return !refused;
      }
      if (name.equals("*")) {
        star = !refused;
      }
    }
    return star;
  }

  /** Decodes the stored bytes on the way; closing the decoder closes the stored object. */
  private static Download.Body decoded(ResultCompression compression) {
    return new Download.Body() {
      @Override
      public InputStream open(InputStream stored) throws IOException {
        return compression.decoding(stored);
      }

      @Override
      public long length() {
        return -1;
      }
    };
  }
}
