package io.agp.results;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalResultStoreTest extends ResultStoreContract {

  @TempDir Path temp;

  Path root;

  @Override
  ResultStore emptyStore() {
    root = temp.resolve("results");
    return ResultStores.open(root.toUri(), null);
  }

  @Override
  List<String> everythingStored() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> root.relativize(file).toString())
          .toList();
    }
  }

  @Test
  void writesToAHiddenFileBesideTheTargetUntilCommit() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      upload.stream().write("a,b\n".getBytes(UTF_8));

      assertThat(names(root.resolve("exec")))
          .singleElement()
          .asString()
          .startsWith(".result.csv.partial-");
      assertThat(listed("")).isEmpty();

      upload.commit();
    }

    assertThat(names(root.resolve("exec"))).containsExactly("result.csv");
    assertThat(Files.readString(root.resolve("exec/result.csv"))).isEqualTo("a,b\n");
  }

  @Test
  void aResultFlushedToDiskWhileWrittenReadsBackWhole() throws IOException {
    long size = LocalResultUpload.FLUSH_EVERY_BYTES * 5 / 2 + 7;
    String written;
    try (ResultUpload upload = store.upload("exec/large.csv")) {
      written = writeGenerated(upload.stream(), size);
      upload.commit();
    }

    assertThat(store.size("exec/large.csv")).hasValue(size);
    try (InputStream in = store.open("exec/large.csv")) {
      assertThat(sha256(in)).isEqualTo(written);
    }
  }

  @Test
  void abortWhileFlushingToDiskLeavesNoTrace() throws IOException {
    ResultUpload upload = store.upload("exec/large.csv");
    writeGenerated(upload.stream(), LocalResultUpload.FLUSH_EVERY_BYTES + 1);

    upload.abort();

    assertThat(everythingStored()).isEmpty();
  }

  @Test
  void rejectsAKeyThatClimbsOutOfTheFolder() {
    assertThatThrownBy(() -> store.upload("../outside.csv"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.upload("exec/../../outside.csv"))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(names(temp)).containsExactly("results");
  }

  @Test
  void removesFoldersThatDeletesEmptied() throws IOException {
    put("2024/06/exec-1.csv", "1");
    put("2024/07/exec-2.csv", "2");

    store.delete("2024/06/exec-1.csv");

    assertThat(names(root.resolve("2024"))).containsExactly("07");
    assertThat(names(root)).containsExactly("2024");
  }

  @Test
  void ignoresAKeyThatNamesAFolder() throws IOException {
    put("exec/result.csv", "a,b\n");

    assertThat(store.size("exec")).isEmpty();
    assertThatThrownBy(() -> store.open("exec")).isInstanceOf(NoSuchResultException.class);
    store.delete("exec");
    assertThat(store.size("exec/result.csv")).hasValue(4);
  }

  @Test
  void locatesItselfByFileUri() {
    assertThat(store.location()).isEqualTo(root.toUri());
  }

  private static List<String> names(Path folder) {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
