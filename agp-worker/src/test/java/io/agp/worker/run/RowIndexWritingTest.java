package io.agp.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.execution.ResultFormat;
import io.agp.results.ResultCompression;
import io.agp.results.ResultStore;
import io.agp.results.ResultStores;
import io.agp.results.ResultUpload;
import io.agp.results.RowIndex;
import io.agp.testkit.Trickle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The row index the worker writes as a result streams in: every point names the row that starts
 * there, and a compressed result decodes from each point on its own, while the whole object stays
 * one stream that gzip and zstd decode unchanged.
 */
class RowIndexWritingTest {

  private static final int ROWS = 20_000;

  @TempDir Path temp;

  /** Rows with quoted line breaks (CSV), escaped ones (the others) and values of varied length. */
  private static String result(ResultFormat format) {
    StringBuilder text = new StringBuilder();
    switch (format) {
      case JSON -> {
        text.append(
            "{\n\t\"meta\":\n\t[\n\t\t{\n\t\t\t\"name\": \"n\",\n\t\t\t\"type\": \"UInt64\"\n");
        text.append("\t\t},\n\t\t{\n\t\t\t\"name\": \"s\",\n\t\t\t\"type\": \"String\"\n\t\t}\n");
        text.append("\t],\n\n\t\"data\":\n\t[\n");
        for (int i = 0; i < ROWS; i++) {
          text.append("\t\t{\n\t\t\t\"n\": \"")
              .append(i)
              .append("\",\n\t\t\t\"s\": \"a\\nb{")
              .append("x".repeat(i % 50))
              .append("\"\n\t\t}")
              .append(i + 1 < ROWS ? ",\n" : "\n");
        }
        text.append("\t],\n\n\t\"rows\": ").append(ROWS).append("\n}\n");
      }
      case JSONEachRow -> {
        for (int i = 0; i < ROWS; i++) {
          text.append("{\"n\":\"").append(i).append("\",\"s\":\"a\\nb").append("x".repeat(i % 50));
          text.append("\"}\n");
        }
      }
      case CSV, CSVWithNames -> {
        if (format == ResultFormat.CSVWithNames) {
          text.append("\"n\",\"s\"\n");
        }
        for (int i = 0; i < ROWS; i++) {
          text.append(i).append(",\"a\nb\"\"").append("x".repeat(i % 50)).append("\"\n");
        }
      }
      default -> {
        if (format != ResultFormat.TSV) {
          text.append("n\ts\n");
        }
        if (format == ResultFormat.TSVWithNamesAndTypes) {
          text.append("UInt64\tString\n");
        }
        for (int i = 0; i < ROWS; i++) {
          text.append(i).append("\ta\\nb").append("x".repeat(i % 50)).append('\n');
        }
      }
    }
    return text.toString();
  }

  /** The start of a row's text in the format, which the bytes at its point must begin with. */
  private static String rowStart(ResultFormat format, long row) {
    return switch (format) {
      case JSON -> "\t\t{\n\t\t\t\"n\": \"" + row + "\",";
      case JSONEachRow -> "{\"n\":\"" + row + "\",";
      case CSV, CSVWithNames -> row + ",\"a";
      default -> row + "\ta";
    };
  }

  @ParameterizedTest
  @CsvSource({
    "JSON, NONE",
    "JSON, GZIP",
    "JSON, ZSTD",
    "JSONEachRow, NONE",
    "JSONEachRow, ZSTD",
    "CSV, NONE",
    "CSV, GZIP",
    "CSV, ZSTD",
    "CSVWithNames, GZIP",
    "TSV, NONE",
    "TSV, ZSTD",
    "TSVWithNames, ZSTD",
    "TSVWithNames, GZIP",
    "TSVWithNamesAndTypes, GZIP"
  })
  void everyPointNamesTheRowThatStartsThereAndDecodesOnItsOwn(
      ResultFormat format, ResultCompression compression) throws Exception {
    // What ClickHouse answers (TSV and TSVWithNames are asked for with their types), and what the
    // worker stores of it.
    AnswerHeader header = AnswerHeader.of(format);
    byte[] answer = result(header.asked()).getBytes(StandardCharsets.UTF_8);
    byte[] plain = result(format).getBytes(StandardCharsets.UTF_8);
    try (ResultStore store = ResultStores.open(temp.toUri(), null)) {
      ResultStreamer streamer = new ResultStreamer(compression, Long.MAX_VALUE, 16 * 1024);
      ResultInspector inspector = new ResultInspector(format);
      try (ResultUpload upload = store.upload("r")) {
        // Small reads, as the network gives them, so that points fall inside reads.
        streamer.copy(new Trickle(answer, 3000), upload, inspector, header);
        upload.commit();
      }
      RowIndex index = streamer.rowIndex().orElseThrow();
      assertThat(index.size()).isGreaterThan(20);
      assertThat(inspector.rows()).isEqualTo(ROWS);
      assertThat(inspector.bytes()).isEqualTo(plain.length);
      assertThat(streamer.answerBytes()).isEqualTo(answer.length);

      for (int i = 0; i < index.size(); i++) {
        long row = index.rows()[i];
        assertThat(row).isBetween(0L, (long) ROWS - 1);
        String expected = rowStart(format, row);
        String atDecoded =
            new String(plain, (int) index.decoded()[i], expected.length(), StandardCharsets.UTF_8);
        assertThat(atDecoded).as("point %d", i).isEqualTo(expected);
        try (InputStream stored = store.open("r", index.stored()[i]);
            InputStream decoded = compression.decoding(stored)) {
          assertThat(new String(decoded.readNBytes(expected.length()), StandardCharsets.UTF_8))
              .as("point %d decoded on its own", i)
              .isEqualTo(expected);
        }
      }
      try (InputStream stored = store.open("r");
          InputStream decoded = compression.decoding(stored)) {
        assertThat(decoded.readAllBytes()).isEqualTo(plain);
      }
      if (compression != ResultCompression.NONE) {
        assertThat(decodedByTheTool(compression, temp.resolve("r"))).isEqualTo(plain);
      }
    }
  }

  /** Rows a line each, unlike ClickHouse's JSON: no index rather than one with wrong rows. */
  @Test
  void jsonLaidOutOtherwiseGetsNoIndex() throws Exception {
    StringBuilder text = new StringBuilder();
    text.append("{\n\t\"meta\":\n\t[\n\t\t{\n\t\t\t\"name\": \"n\",\n\t\t\t\"type\": \"UInt64\"\n");
    text.append("\t\t}\n\t],\n\n\t\"data\":\n\t[\n");
    for (int i = 0; i < ROWS; i++) {
      text.append("\t\t{\"n\": \"").append(i).append("\"}").append(i + 1 < ROWS ? ",\n" : "\n");
    }
    text.append("\t],\n\n\t\"rows\": ").append(ROWS).append("\n}\n");
    byte[] plain = text.toString().getBytes(StandardCharsets.UTF_8);
    try (ResultStore store = ResultStores.open(temp.toUri(), null)) {
      ResultStreamer streamer =
          new ResultStreamer(ResultCompression.NONE, Long.MAX_VALUE, 16 * 1024);
      ResultInspector inspector = new ResultInspector(ResultFormat.JSON);
      try (ResultUpload upload = store.upload("r")) {
        streamer.copy(
            new Trickle(plain, 3000), upload, inspector, AnswerHeader.of(ResultFormat.JSON));
        upload.commit();
      }
      assertThat(streamer.rowIndex()).isEmpty();
      assertThat(inspector.rows()).isEqualTo(ROWS);
    }
  }

  @Test
  void aSpacingOfZeroStoresNoIndexAndOneFrame() throws Exception {
    byte[] plain = result(ResultFormat.CSV).getBytes(StandardCharsets.UTF_8);
    try (ResultStore store = ResultStores.open(temp.toUri(), null)) {
      ResultStreamer streamer = new ResultStreamer(ResultCompression.ZSTD, Long.MAX_VALUE, 0);
      try (ResultUpload upload = store.upload("r")) {
        streamer.copy(
            new Trickle(plain, 3000),
            upload,
            new ResultInspector(ResultFormat.CSV),
            AnswerHeader.of(ResultFormat.CSV));
        upload.commit();
      }
      assertThat(streamer.rowIndex()).isEmpty();
      try (InputStream stored = store.open("r")) {
        byte[] bytes = stored.readAllBytes();
        assertThat(com.github.luben.zstd.Zstd.findFrameCompressedSize(bytes))
            .isEqualTo(bytes.length);
      }
    }
  }

  /** What gzip -d or zstd -d makes of the stored object: the frames are one stream for them. */
  private static byte[] decodedByTheTool(ResultCompression compression, Path object)
      throws IOException, InterruptedException {
    String tool = compression == ResultCompression.GZIP ? "gzip" : "zstd";
    if (!Path.of("/usr/bin/" + tool).toFile().canExecute()) {
      try (InputStream in = compression.decoding(java.nio.file.Files.newInputStream(object))) {
        return in.readAllBytes();
      }
    }
    Process process =
        new ProcessBuilder(List.of(tool, "-d", "-c", object.toString()))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    return out;
  }
}
