package io.agp.api.execution;

import io.agp.api.InvalidRequestException;
import io.agp.api.execution.ExecutionQueries.Keyset;
import io.agp.execution.Execution;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The opaque cursor of a list page: the keyset (creation time, id) of the last execution shown.
 * Opaque so that callers do not build it, versioned so that its shape may change.
 */
final class ListCursor {

  private static final String VERSION = "v1";

  private ListCursor() {}

  static String after(Execution last) {
    String text =
        VERSION
            + ":"
            + last.createdAt().getEpochSecond()
            + ":"
            + last.createdAt().getNano()
            + ":"
            + last.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The keyset of a cursor; a cursor this API did not write is a 400 naming the field. */
  static Keyset parse(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      String[] parts = text.split(":", -1);
      if (parts.length != 4 || !parts[0].equals(VERSION)) {
        throw new IllegalArgumentException("not a cursor");
      }
      Instant createdAt =
          Instant.ofEpochSecond(Long.parseLong(parts[1]), Integer.parseInt(parts[2]));
      long id = Long.parseLong(parts[3]);
      if (id < 1) {
        throw new IllegalArgumentException("not a cursor");
      }
      return new Keyset(createdAt, id);
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw new InvalidRequestException(
          "cursor", "unknown cursor: pass the cursor of a previous page as it was returned");
    }
  }
}
