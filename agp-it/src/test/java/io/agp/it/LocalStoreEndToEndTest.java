package io.agp.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class LocalStoreEndToEndTest extends EndToEndTestBase {

  LocalStoreEndToEndTest() throws Exception {
    super(Map.of("agp.results.location", folder().toUri().toString()));
  }

  private static Path folder() throws Exception {
    return Files.createTempDirectory("agp-results");
  }
}
