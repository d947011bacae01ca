package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/agp} finds a Java 25 by itself when an older {@code java} comes first on the PATH and
 * in JAVA_HOME, as on a machine whose default Java is 17; and says so clearly when told to use an
 * old one.
 */
class LauncherTest {

  private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");

  @TempDir Path folder;

  /** The machine's Java 17 where there is one, else a stand-in that says it is 17 and fails. */
  private Path oldJavaHome() throws IOException {
    if (Files.isExecutable(JAVA_17.resolve("bin/java"))) {
      return JAVA_17;
    }
    Path home = folder.resolve("old-java");
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(home.resolve("release"), "JAVA_VERSION=\"17.0.13\"\n");
    Path java = home.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"17.0.13\"' >&2\nexit 1\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  @Test
  void findsJava25WhenAnOlderJavaComesFirst() throws IOException {
    // The launcher looks under /usr/lib/jvm, where this machine keeps its JDKs.
    assumeThat(Path.of(System.getProperty("java.home")).toRealPath().toString())
        .startsWith("/usr/lib/jvm/");
    Path old = oldJavaHome();
    AgpCli agp =
        AgpCli.of("http://127.0.0.1:9")
            .with("AGP_JAVA_HOME", null)
            .with("JAVA_HOME", old.toString())
            .with("PATH", old.resolve("bin") + ":/usr/bin:/bin");

    AgpCli.Run version = agp.run("--version");

    assertThat(version.exit()).as(version.err()).isZero();
    assertThat(version.out()).startsWith("agp ");
  }

  @Test
  void refusesAnOldJavaNamedByAgpJavaHome() throws IOException {
    Path old = oldJavaHome();

    AgpCli.Run run =
        AgpCli.of("http://127.0.0.1:9").with("AGP_JAVA_HOME", old.toString()).run("--version");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("agp: AGP_JAVA_HOME=" + old + " is not a Java 25 or newer\n");
  }
}
