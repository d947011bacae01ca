package io.agp.api.execution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Long downloads from a local result folder. */
class LocalStoreLongDownloadsTest extends LongDownloadsTestBase {

  LocalStoreLongDownloadsTest() {
    super("--agp.results.location=" + folder().toUri());
  }

  private static Path folder() {
    try {
      return Files.createTempDirectory("agp-long-downloads");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
