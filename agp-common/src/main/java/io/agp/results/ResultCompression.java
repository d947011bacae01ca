package io.agp.results;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** How a tier's results are compressed in the result store. */
public enum ResultCompression {
  NONE(""),
  GZIP(".gz"),
  ZSTD(".zst");

  private static final int BUFFER_SIZE = 64 * 1024;

  private final String suffix;

  ResultCompression(String suffix) {
    this.suffix = suffix;
  }

  /** Appended to the result's key, so that the stored object says how to read it. */
  public String suffix() {
    return suffix;
  }

  /** Compresses what is written to {@code out}; closing the result finishes the stream. */
  public OutputStream encoding(OutputStream out) throws IOException {
    return switch (this) {
      case NONE -> out;
      case GZIP -> new GZIPOutputStream(out, BUFFER_SIZE);
      case ZSTD -> new ZstdOutputStream(out);
    };
  }

  /**
   * Compresses what is written to {@code out} in frames that {@link FramedOutputStream#endFrame}
   * ends; closing the result finishes the stream and leaves {@code out} open.
   */
  public FramedOutputStream framedEncoding(OutputStream out) {
    return new FramedOutputStream(this, out);
  }

  /** Decompresses what is read from {@code in}. */
  public InputStream decoding(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, BUFFER_SIZE);
      case ZSTD -> new ZstdInputStream(in);
    };
  }

  /** The compression recorded as {@code result_compression} (null or a name, any case). */
  public static Optional<ResultCompression> fromRecorded(String recorded) {
    if (recorded == null) {
      return Optional.of(NONE);
    }
    return Arrays.stream(values())
        .filter(c -> c != NONE && c.name().equalsIgnoreCase(recorded))
        .findFirst();
  }

  /** The value recorded as the execution's {@code result_compression}; null when none. */
  public String recordedName() {
    return this == NONE ? null : name().toLowerCase(Locale.ROOT);
  }
}
