package io.agp.results;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every {@link ResultStore} does, whatever it stores objects in. */
abstract class ResultStoreContract {

  static final int PART = S3Options.MIN_PART_SIZE_BYTES;

  /** Enough to have the first part stored and the second on its way in a multipart upload. */
  static final long MULTIPART_IN_PROGRESS = 2L * PART + 1;

  ResultStore store;

  /** A store with nothing in it. */
  abstract ResultStore emptyStore() throws IOException;

  /**
   * Everything the store keeps, visible to readers or not: objects, partial files, unfinished
   * multipart uploads.
   */
  abstract List<String> everythingStored() throws IOException;

  @BeforeEach
  void openStore() throws IOException {
    store = emptyStore();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, PART - 1, PART, PART + 1, PART * 7L / 2})
  void readsBackWhatWasCommitted(long size) throws IOException {
    String written;
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      written = writeGenerated(upload.stream(), size);
      assertThat(upload.bytesWritten()).isEqualTo(size);
      upload.commit();
    }

    assertThat(store.size("exec/result.csv")).hasValue(size);
    try (InputStream in = store.open("exec/result.csv")) {
      assertThat(sha256(in)).isEqualTo(written);
    }
    assertThat(listed(""))
        .singleElement()
        .satisfies(
            object -> {
              assertThat(object.key()).isEqualTo("exec/result.csv");
              assertThat(object.size()).isEqualTo(size);
            });
  }

  @Test
  void showsNothingBeforeCommit() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      writeGenerated(upload.stream(), MULTIPART_IN_PROGRESS);

      assertThat(listed("")).isEmpty();
      assertThat(store.size("exec/result.csv")).isEmpty();
      assertThatThrownBy(() -> store.open("exec/result.csv"))
          .isInstanceOf(NoSuchResultException.class);

      upload.commit();
    }
    assertThat(store.size("exec/result.csv")).hasValue(MULTIPART_IN_PROGRESS);
  }

  @Test
  void abortLeavesNoTrace() throws IOException {
    ResultUpload upload = store.upload("exec/result.csv");
    writeGenerated(upload.stream(), MULTIPART_IN_PROGRESS);

    upload.abort();

    assertThat(everythingStored()).isEmpty();
    assertThatThrownBy(() -> store.open("exec/result.csv"))
        .isInstanceOf(NoSuchResultException.class);
    assertThatThrownBy(() -> upload.stream().write(1)).isInstanceOf(IOException.class);
    assertThatThrownBy(upload::commit).isInstanceOf(IOException.class);
    upload.abort();
    upload.close();
  }

  @Test
  void closeWithoutCommitLeavesNoTrace() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      writeGenerated(upload.stream(), MULTIPART_IN_PROGRESS);
    }

    assertThat(everythingStored()).isEmpty();
  }

  @Test
  void abortCleansUpOnAnInterruptedThreadAndKeepsTheInterrupt() throws IOException {
    ResultUpload upload = store.upload("exec/result.csv");
    writeGenerated(upload.stream(), MULTIPART_IN_PROGRESS);

    Thread.currentThread().interrupt();
    try {
      upload.abort();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }

    assertThat(everythingStored()).isEmpty();
  }

  @Test
  void closeWithoutWritingLeavesNoTrace() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      assertThat(upload.bytesWritten()).isZero();
    }

    assertThat(everythingStored()).isEmpty();
  }

  @Test
  void closeAfterCommitKeepsTheObject() throws IOException {
    ResultUpload upload = store.upload("exec/result.csv");
    upload.stream().write("a,b\n".getBytes(UTF_8));
    upload.commit();

    upload.close();
    upload.abort();

    assertThat(read("exec/result.csv", 0)).isEqualTo("a,b\n");
    assertThatThrownBy(upload::commit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closingTheStreamNeitherCommitsNorAborts() throws IOException {
    try (ResultUpload upload = store.upload("exec/result.csv")) {
      try (OutputStream out = upload.stream()) {
        out.write("a,b\n".getBytes(UTF_8));
      }
      assertThat(store.size("exec/result.csv")).isEmpty();

      upload.commit();
    }

    assertThat(read("exec/result.csv", 0)).isEqualTo("a,b\n");
  }

  @Test
  void commitReplacesAnObjectUnderTheSameKey() throws IOException {
    put("exec/result.csv", "first attempt, longer");
    put("exec/result.csv", "second");

    assertThat(read("exec/result.csv", 0)).isEqualTo("second");
  }

  @Test
  void opensAtAnOffsetForTheTail() throws IOException {
    put("exec/result.csv", "0123456789".repeat(100));

    assertThat(read("exec/result.csv", 990)).isEqualTo("0123456789");
    assertThat(read("exec/result.csv", 999)).isEqualTo("9");
    assertThat(read("exec/result.csv", 1000)).isEmpty();
    assertThat(read("exec/result.csv", 5000)).isEmpty();
  }

  @Test
  void opensARangeForAPageOfRows() throws IOException {
    put("exec/result.csv", "0123456789".repeat(100));

    assertThat(read("exec/result.csv", 990, 5)).isEqualTo("01234");
    assertThat(read("exec/result.csv", 0, 12)).isEqualTo("012345678901");
    assertThat(read("exec/result.csv", 995, 100)).isEqualTo("56789");
    assertThat(read("exec/result.csv", 10, 0)).isEmpty();
    assertThat(read("exec/result.csv", 1000, 10)).isEmpty();
    assertThat(read("exec/result.csv", 5000, 10)).isEmpty();
    assertThatThrownBy(() -> store.open("exec/missing.csv", 10, 10))
        .isInstanceOf(NoSuchResultException.class);
    assertThatThrownBy(() -> store.open("exec/missing.csv", 10, 0))
        .isInstanceOf(NoSuchResultException.class);
  }

  @Test
  void opensAnEmptyObject() throws IOException {
    put("exec/empty.csv", "");

    assertThat(read("exec/empty.csv", 0)).isEmpty();
    assertThat(read("exec/empty.csv", 1)).isEmpty();
  }

  @Test
  void tellsAMissingObjectApart() throws IOException {
    assertThatThrownBy(() -> store.open("exec/missing.csv"))
        .isInstanceOf(NoSuchResultException.class)
        .extracting(e -> ((NoSuchResultException) e).key())
        .isEqualTo("exec/missing.csv");
    assertThatThrownBy(() -> store.open("exec/missing.csv", 10))
        .isInstanceOf(NoSuchResultException.class);
    assertThat(store.size("exec/missing.csv")).isEqualTo(OptionalLong.empty());
  }

  @Test
  void deleteIsIdempotent() throws IOException {
    store.delete("exec/never-written.csv");
    put("exec/result.csv", "a,b\n");

    store.delete("exec/result.csv");
    store.delete("exec/result.csv");

    assertThat(store.size("exec/result.csv")).isEmpty();
    assertThat(everythingStored()).isEmpty();
  }

  @Test
  void listsByKeyPrefix() throws IOException {
    Instant before = Instant.now();
    put("a/1", "1");
    put("a/2", "22");
    put("ab/3", "333");
    put("b/4", "4444");
    Instant after = Instant.now();

    assertThat(listed("a/")).extracting(StoredObject::key).containsExactlyInAnyOrder("a/1", "a/2");
    assertThat(listed("a"))
        .extracting(StoredObject::key)
        .containsExactlyInAnyOrder("a/1", "a/2", "ab/3");
    assertThat(listed("c")).isEmpty();
    assertThat(listed(""))
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactlyInAnyOrder(
            tuple("a/1", 1L), tuple("a/2", 2L), tuple("ab/3", 3L), tuple("b/4", 4L));
    // S3 keeps whole seconds.
    assertThat(listed(""))
        .allSatisfy(
            object ->
                assertThat(object.lastModified())
                    .isBetween(before.minus(Duration.ofSeconds(2)), after.plusSeconds(2)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape", "a/../../escape", "/absolute", "a//b", "./a", "a/", ""})
  void rejectsKeysThatAreNotPlainRelativePaths(String key) {
    assertThatThrownBy(() -> store.upload(key)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.open(key)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.size(key)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.delete(key)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsPrefixesThatLeaveTheStore() {
    assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.list("/")).isInstanceOf(IllegalArgumentException.class);
  }

  void put(String key, String content) throws IOException {
    try (ResultUpload upload = store.upload(key)) {
      upload.stream().write(content.getBytes(UTF_8));
      upload.commit();
    }
  }

  String read(String key, long offset) throws IOException {
    try (InputStream in = store.open(key, offset)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  String read(String key, long offset, long length) throws IOException {
    try (InputStream in = store.open(key, offset, length)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  List<StoredObject> listed(String prefix) throws IOException {
    try (Stream<StoredObject> objects = store.list(prefix)) {
      return objects.toList();
    }
  }

  /**
   * Writes {@code size} pseudo-random bytes in chunks that do not divide a part, and returns their
   * SHA-256, so that large objects are checked without holding them.
   */
  static String writeGenerated(OutputStream out, long size) throws IOException {
    MessageDigest digest = sha256();
    SplittableRandom random = new SplittableRandom(size);
    byte[] chunk = new byte[100_003];
    for (long left = size; left > 0; ) {
      int n = (int) Math.min(chunk.length, left);
      random.nextBytes(chunk);
      out.write(chunk, 0, n);
      digest.update(chunk, 0, n);
      left -= n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static String sha256(InputStream in) throws IOException {
    MessageDigest digest = sha256();
    try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
      digesting.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
