package io.agp.results;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A compressing stream whose compression can be ended and started again at chosen points: gzip
 * starts a new member, zstd a new frame. Concatenated members and frames are one valid stream for
 * every reader ({@code gzip -d}, {@code zstd -d}, {@link ResultCompression#decoding}), and a reader
 * may also start decoding at any of those points, which is what lets a page of rows be read from
 * the middle of a compressed result. Uncompressed, the points cost nothing.
 */
public final class FramedOutputStream extends OutputStream {

  private static final int GZIP_BUFFER = 64 * 1024;

  private final ResultCompression compression;
  private final OutputStream target;
  private OutputStream frame;

  FramedOutputStream(ResultCompression compression, OutputStream target) {
    this.compression = compression;
    // Ending a gzip member closes its stream: the target must outlive it.
    this.target =
        new FilterOutputStream(target) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() {}
        };
  }

  @Override
  public void write(int b) throws IOException {
    frame().write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len > 0) {
      frame().write(b, off, len);
    }
  }

  /**
   * Ends the current frame: every byte written so far has reached the target, and the next byte
   * starts a frame that decodes on its own. Does nothing when no byte came since the last point.
   */
  public void endFrame() throws IOException {
    if (frame == null) {
      return;
    }
    if (compression == ResultCompression.ZSTD) {
      // Ends the frame and keeps the compressor (with its memory) for the next one.
      frame.flush();
      return;
    }
    frame.close();
    frame = null;
  }

  @Override
  public void flush() throws IOException {
    // A flush would end a zstd frame: only endFrame() does that.
  }

  @Override
  public void close() throws IOException {
    if (frame != null) {
      frame.close();
      frame = null;
    }
  }

  private OutputStream frame() throws IOException {
    if (frame == null) {
      frame =
          switch (compression) {
            case NONE -> target;
            case GZIP -> new GZIPOutputStream(target, GZIP_BUFFER);
            case ZSTD -> {
              ZstdOutputStream zstd = new ZstdOutputStream(target);
              zstd.setCloseFrameOnFlush(true);
              yield zstd;
            }
          };
    }
    return frame;
  }
}
