package io.agp.testkit;

import java.io.ByteArrayInputStream;

/** An answer that arrives at most {@code chunk} bytes a read, as a slow socket gives it. */
public final class Trickle extends ByteArrayInputStream {

  private final int chunk;

  public Trickle(byte[] bytes, int chunk) {
    super(bytes);
    this.chunk = chunk;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) {
    return super.read(b, off, Math.min(len, chunk));
  }
}
