package io.agp.api.execution;

import io.agp.execution.Execution;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.ResultFormat;
import io.agp.execution.ResultMetadata;
import io.agp.results.ResultStore;
import io.agp.tier.ResultCompression;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Streams a stored result: with its format's content type and a file name; a stored encoding is
 * passed through when the client accepts it and decoded on the fly otherwise; a single byte range
 * is served when the bytes go out as stored, so that a broken download can resume.
 */
@Component
class ResultDownloads {

  private static final int BUFFER = 64 * 1024;

  private final ResultStore results;

  ResultDownloads(ResultStore results) {
    this.results = results;
  }

  ResponseEntity<StreamingResponseBody> serve(Execution execution, HttpServletRequest request)
      throws IOException {
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
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
    if (!passThrough) {
      // Recoded bytes have another length and no stable offsets: no Content-Length, no ranges.
      InputStream encoded = results.open(result.key());
      return ResponseEntity.ok().headers(headers).body(out -> copyDecoded(encoded, encoding, out));
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
      InputStream stored = results.open(result.key(), start);
      headers.setContentLength(length);
      headers.set(HttpHeaders.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + size);
      return ResponseEntity.status(HttpStatus.PARTIAL_CONTENT)
          .headers(headers)
          .body(out -> copy(stored, out, length));
    }
    InputStream stored = results.open(result.key());
    headers.setContentLength(size);
    return ResponseEntity.ok().headers(headers).body(out -> copy(stored, out, size));
  }

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

  private static void copy(InputStream stored, OutputStream out, long length) throws IOException {
    try (stored) {
      byte[] buffer = new byte[BUFFER];
      long left = length;
      while (left > 0) {
        int n = stored.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException("the stored result ended " + left + " bytes early");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }
  }

  private static void copyDecoded(
      InputStream encoded, ResultCompression compression, OutputStream out) throws IOException {
    try (InputStream decoded = compression.decoding(encoded)) {
      decoded.transferTo(out);
    }
  }
}
