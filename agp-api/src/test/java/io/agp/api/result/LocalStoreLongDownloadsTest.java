package io.agp.api.result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Long downloads from a local result folder. What a download holds there is an open file: the
 * process's file descriptors on files under the folder, as {@code /proc/self/fd} lists them, are
 * counted (rather than all of the process's descriptors, which the database pool and the logs open
 * and close as they like).
 *
 * <p>A file stream nobody closes is closed by the garbage collector once unreachable (the JDK's
 * cleaner of file channels), so a leak here shows only until the next collection, which these
 * tests' allocations soon bring; the S3 variant, whose pool holds its connections, sees one for
 * good.
 */
class LocalStoreLongDownloadsTest extends LongDownloadsTestBase {

  private static final Path FOLDER = folder();

  LocalStoreLongDownloadsTest() {
    super("--agp.results.location=" + FOLDER.toUri());
  }

  @Override
  long openInStore() {
    return OpenResources.filesUnder(FOLDER);
  }

  @Override
  long abandonedInStore() {
    return OpenResources.filesUnder(FOLDER);
  }

  private static Path folder() {
    try {
      return Files.createTempDirectory("agp-long-downloads");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
