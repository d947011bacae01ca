package io.agp.results;

import java.io.IOException;

/** There is no object under the key asked for (never written, not yet committed, or deleted). */
public final class NoSuchResultException extends IOException {

  private final String key;

  public NoSuchResultException(String key) {
    super("no result stored under " + key);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
