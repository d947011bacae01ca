package io.agp.api.execution;

import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON answers that a poller can ask for again with {@code If-None-Match}: the body is written once
 * into bytes, its weak {@code ETag} is computed from them, and a client that holds that tag gets a
 * 304 with no body. The tag is computed from what the caller is shown, so two callers shown
 * different things (a creator and a user who joined, an admin with the readers) hold different
 * tags, and it costs no statement: the answer is read before anything is compared, so another
 * user's execution is a 404 whatever tag comes with the request.
 *
 * <p>Weak, because the same answer goes out gzip-compressed or not; and weak also in that a tag may
 * leave out a figure the clock alone moves on (see {@link #of(Object, Object)}).
 */
@Component
class TaggedAnswers {

  /** An answer written out, and its tag ({@code W/"…"}). */
  record Tagged(byte[] body, String etag) {}

  private final JsonMapper json;

  TaggedAnswers(JsonMapper json) {
    this.json = json;
  }

  /**
   * An answer written out whole: it goes out with its length, in one write, rather than in chunks
   * whose last one waits for the request's filters to unwind.
   */
  byte[] bytes(Object answer) {
    return json.writeValueAsBytes(answer);
  }

  /** The answer and its tag, computed from the same bytes. */
  Tagged of(Object answer) {
    byte[] body = json.writeValueAsBytes(answer);
    return new Tagged(body, etag(body));
  }

  /**
   * The answer, with a tag computed from another answer, the same but for what the clock moves on
   * between two reads of an unchanged row (a running execution's remaining time).
   */
  Tagged of(Object answer, Object tagged) {
    if (answer == tagged) {
      return of(answer);
    }
    return new Tagged(json.writeValueAsBytes(answer), etag(json.writeValueAsBytes(tagged)));
  }

  /** 200 with the body and its tag, or 304 with the tag alone when the client holds it. */
  static ResponseEntity<byte[]> answer(Tagged tagged, String ifNoneMatch) {
    // Kept by a browser, but asked again each time: its fetch() then sends If-None-Match itself.
    CacheControl revalidate = CacheControl.noCache().cachePrivate();
    if (held(ifNoneMatch, tagged.etag())) {
      return ResponseEntity.status(HttpStatus.NOT_MODIFIED)
          .eTag(tagged.etag())
          .cacheControl(revalidate)
          .build();
    }
    return ResponseEntity.ok()
        .eTag(tagged.etag())
        .cacheControl(revalidate)
        .contentType(MediaType.APPLICATION_JSON)
        .body(tagged.body());
  }

  /**
   * Whether an {@code If-None-Match} header names the tag, compared weakly (RFC 9110 13.1.2): one
   * of its tags equal to it but for a {@code W/}, or {@code *}.
   */
  static boolean held(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    String opaque = etag.substring(2);
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(opaque)) {
        return true;
      }
    }
    return false;
  }

  /**
   * 64 bits of two checksums of the bytes (CRC-32C and CRC-32, both CPU instructions here): a tag
   * tells one answer to the same caller from the next, where a collision of 1 in 2^64 goes unseen,
   * and guards nothing a caller could attack (a 304 only ever confirms an answer the caller may
   * read). A SHA-256 costs 1 µs for an execution and about 50 µs for a page of 50; these, 0.1 and
   * 2.
   */
  static String etag(byte[] body) {
    CRC32C castagnoli = new CRC32C();
    castagnoli.update(body);
    CRC32 ieee = new CRC32();
    ieee.update(body);
    long bits = castagnoli.getValue() << 32 | ieee.getValue();
    return "W/\"" + HexFormat.of().toHexDigits(bits) + "\"";
  }
}
