package io.agp.results;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small object stays in memory and never reaches the store; one byte more sends all of it to the
 * store, as any object; 0 turns the memory off. Against a real local store, whose files show what
 * reached it.
 */
class InlineableUploadTest {

  private static final int LIMIT = 100;

  @TempDir Path temp;

  private Path root;
  private ResultStore store;

  @BeforeEach
  void open() {
    root = temp.resolve("results");
    store = ResultStores.open(root.toUri(), null);
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  @Test
  void anObjectOfAtMostTheLimitIsKeptInMemoryAndTheStoreSeesNothing() throws IOException {
    byte[] bytes = bytes(LIMIT);
    try (InlineableUpload upload = new InlineableUpload(store, "r/a.csv", LIMIT)) {
      OutputStream out = upload.stream();
      out.write(bytes, 0, 60);
      out.write(bytes[60]);
      out.write(bytes, 61, LIMIT - 61);
      assertThat(upload.bytesWritten()).isEqualTo(LIMIT);
      assertThat(upload.inline()).as("nothing before the commit").isEmpty();
      upload.commit();

      assertThat(upload.inline()).contains(new InlineResult(bytes));
    }
    assertThat(files()).isEmpty();
    assertThat(store.size("r/a.csv")).isEmpty();
  }

  @Test
  void oneByteBeyondTheLimitStoresTheWholeObject() throws IOException {
    byte[] bytes = bytes(LIMIT * 3 + 1);
    try (InlineableUpload upload = new InlineableUpload(store, "r/b.csv", LIMIT)) {
      upload.stream().write(bytes, 0, LIMIT);
      assertThat(files()).as("still held").isEmpty();
      upload.stream().write(bytes[LIMIT]);
      upload.stream().write(bytes, LIMIT + 1, bytes.length - LIMIT - 1);
      assertThat(upload.bytesWritten()).isEqualTo(bytes.length);
      upload.commit();

      assertThat(upload.inline()).isEmpty();
    }
    try (InputStream in = store.open("r/b.csv")) {
      assertThat(in.readAllBytes()).isEqualTo(bytes);
    }
  }

  @Test
  void anEmptyObjectIsKeptInMemoryUnlessTheLimitIsZero() throws IOException {
    try (InlineableUpload upload = new InlineableUpload(store, "r/empty.csv", LIMIT)) {
      upload.commit();
      assertThat(upload.inline()).contains(new InlineResult(new byte[0]));
    }
    assertThat(store.size("r/empty.csv")).isEmpty();

    try (InlineableUpload upload = new InlineableUpload(store, "r/stored.csv", 0)) {
      upload.stream().write(bytes(1));
      upload.commit();
      assertThat(upload.inline()).isEmpty();
    }
    assertThat(store.size("r/stored.csv")).hasValue(1);
    try (InlineableUpload upload = new InlineableUpload(store, "r/stored-empty.csv", 0)) {
      upload.commit();
      assertThat(upload.inline()).isEmpty();
    }
    assertThat(store.size("r/stored-empty.csv")).hasValue(0);
  }

  @Test
  void anAbortLeavesNothingWhetherHeldOrSentOn() throws IOException {
    try (InlineableUpload held = new InlineableUpload(store, "r/c.csv", LIMIT)) {
      held.stream().write(bytes(10));
    }
    try (InlineableUpload sent = new InlineableUpload(store, "r/d.csv", LIMIT)) {
      sent.stream().write(bytes(LIMIT * 2));
      assertThat(files()).as("the store's partial file").hasSize(1);
      sent.abort();
      assertThatThrownBy(sent::commit).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> sent.stream().write(1)).isInstanceOf(IOException.class);
    }
    assertThat(files()).isEmpty();
  }

  @Test
  void aSecondCommitOrAWriteAfterTheCommitIsRefused() throws IOException {
    try (InlineableUpload upload = new InlineableUpload(store, "r/e.csv", LIMIT)) {
      upload.stream().write(bytes(5));
      upload.commit();
      assertThatThrownBy(upload::commit).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> upload.stream().write(1)).isInstanceOf(IOException.class);
      assertThat(upload.inline()).contains(new InlineResult(bytes(5)));
    }
  }

  @Test
  void aNegativeOrHugeLimitIsRefused() {
    assertThatThrownBy(() -> new InlineableUpload(store, "r/f.csv", -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InlineableUpload(store, "r/f.csv", Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anInlineResultReadsFromAnOffsetForALength() throws IOException {
    InlineResult result = new InlineResult("0123456789".getBytes(UTF_8));
    assertThat(read(result.open(0))).isEqualTo("0123456789");
    assertThat(read(result.open(7))).isEqualTo("789");
    assertThat(read(result.open(10))).isEmpty();
    assertThat(read(result.open(99))).isEmpty();
    assertThat(read(result.open(2, 3))).isEqualTo("234");
    assertThat(read(result.open(8, 50))).isEqualTo("89");
    assertThat(read(result.open(3, 0))).isEmpty();
    assertThat(read(result.open(4, Long.MAX_VALUE))).isEqualTo("456789");
    assertThatThrownBy(() -> result.open(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(result).isEqualTo(new InlineResult("0123456789".getBytes(UTF_8)));
    assertThat(result.toString()).contains("10 bytes");
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), UTF_8);
  }

  private static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return bytes;
  }

  private List<Path> files() throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }
}
