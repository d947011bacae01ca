package io.agp.tier;

import java.util.Locale;

/** How a tier's results are compressed in the result store. */
public enum ResultCompression {
  NONE(""),
  GZIP(".gz"),
  ZSTD(".zst");

  private final String suffix;

  ResultCompression(String suffix) {
    this.suffix = suffix;
  }

  /** Appended to the result's key, so that the stored object says how to read it. */
  public String suffix() {
    return suffix;
  }

  /** The value recorded as the execution's {@code result_compression}; null when none. */
  public String recordedName() {
    return this == NONE ? null : name().toLowerCase(Locale.ROOT);
  }
}
