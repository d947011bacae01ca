package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.testkit.Trickle;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrailingExceptionDetectorTest {

  private static final String ROWS = "{\"number\":\"1\"}\n{\"number\":\"2\"}\n{\"number\":\"3\"}\n";
  private static final String ERROR_18 =
      "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero,"
          + " e.what() = DB::Exception\n";
  private static final String ERROR_21 =
      "Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero: while executing"
          + " 'FUNCTION throwIf(equals(number, 100000) :: 2) -> throwIf(equals(number, 100000))"
          + " UInt8 : 1'. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 23.8.16.16 (official"
          + " build))\n";
  private static final String TAG = "qwertyuiopasdfgh";

  @Test
  void passesACleanBodyThroughUnchanged() throws IOException {
    byte[] body = csvRows(200_000).getBytes(StandardCharsets.UTF_8);

    assertThat(readAll(new TrailingExceptionDetector(new ByteArrayInputStream(body), null)))
        .isEqualTo(body);
  }

  @Test
  void failsOnTheErrorThatClickHouse18AppendsAfterRows() {
    String body = "[\n{\"n\":0},\n{\"n\":1}" + ERROR_18;

    assertThatThrownBy(() -> readAll(detector(body, null)))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(395);
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getMessage())
                  .isEqualTo("Code: 395. Value passed to 'throwIf' function is non zero");
            });
  }

  @Test
  void failsOnTheErrorThatClickHouse21To24AppendsAfterRows() {
    assertThatThrownBy(() -> readAll(detector(ROWS + ERROR_21, null)))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(395);
              assertThat(e.getMessage())
                  .startsWith("Code: 395. Value passed to 'throwIf' function is non-zero")
                  .endsWith("(FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)");
            });
  }

  @Test
  void turnsTheCutStreamOfAnExceptionMarkerIntoTheServerError() {
    String body = ROWS + "__exception__\r\n" + ERROR_21;
    InputStream cut = new CutStream(body.getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> readAll(new TrailingExceptionDetector(cut, null)))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(395);
              assertThat(e.getCause()).isInstanceOf(IOException.class);
            });
  }

  @Test
  void failsOnAnExceptionMarkerAtACleanEnd() {
    assertThatThrownBy(() -> readAll(detector(ROWS + "__exception__\n" + ERROR_21, null)))
        .isInstanceOfSatisfying(
            ClickHouseException.class, e -> assertThat(e.code()).isEqualTo(395));
  }

  @Test
  void readsTheErrorFramedWithTheExceptionTag() {
    String message =
        "Code: 241. DB::Exception: Memory limit (for query) exceeded (version 25.11)\n";
    String body =
        ROWS
            + "\r\n__exception__\r\n"
            + TAG
            + "\r\n"
            + message
            + message.length()
            + " "
            + TAG
            + "\r\n__exception__\r\n";
    InputStream cut = new CutStream(body.getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> readAll(new TrailingExceptionDetector(cut, TAG)))
        .isInstanceOfSatisfying(
            ClickHouseException.class,
            e -> {
              assertThat(e.code()).isEqualTo(241);
              assertThat(e.getMessage()).isEqualTo("Code: 241. Memory limit (for query) exceeded");
            });
  }

  @Test
  void acceptsAnLfOnlyTagFrame() {
    String message = "Code: 159. DB::Exception: Timeout exceeded (version 26.7.1.1)\n";
    String body =
        ROWS
            + "\n__exception__\n"
            + TAG
            + "\n"
            + message
            + message.length()
            + " "
            + TAG
            + "\n__exception__\n";

    assertThatThrownBy(() -> readAll(detector(body, TAG)))
        .isInstanceOfSatisfying(
            ClickHouseException.class, e -> assertThat(e.code()).isEqualTo(159));
  }

  @Test
  void ignoresUntaggedErrorTextWhenTheServerTagsItsErrors() throws IOException {
    // With a tag header, text that merely looks like an old-style error is data.
    byte[] body = (ROWS + ERROR_21).getBytes(StandardCharsets.UTF_8);

    assertThat(readAll(new TrailingExceptionDetector(new ByteArrayInputStream(body), TAG)))
        .isEqualTo(body);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 13, 4096})
  void findsAMarkerSplitAcrossReads(int chunk) {
    String message = "Code: 62. DB::Exception: boom (version 25.11)\n";
    String tagged =
        ROWS
            + "\r\n__exception__\r\n"
            + TAG
            + "\r\n"
            + message
            + message.length()
            + " "
            + TAG
            + "\r\n__exception__\r\n";

    for (String[] body :
        new String[][] {
          {ROWS + ERROR_18, null}, {ROWS + ERROR_21, null}, {tagged, TAG},
        }) {
      InputStream trickle = new Trickle(body[0].getBytes(StandardCharsets.UTF_8), chunk);
      assertThatThrownBy(
              () -> readByteByByteAndInChunks(new TrailingExceptionDetector(trickle, body[1])))
          .isInstanceOf(ClickHouseException.class);
    }
  }

  @Test
  void findsTheErrorAtTheEndOfABodyFarLargerThanTheRing() {
    String body = csvRows(1_000_000) + ERROR_18;
    assertThat(body.length()).isGreaterThan(50 * TrailingExceptionDetector.RING_SIZE);

    assertThatThrownBy(() -> readAll(new Trickle(body.getBytes(StandardCharsets.UTF_8), 100_000)))
        .isInstanceOfSatisfying(
            ClickHouseException.class, e -> assertThat(e.code()).isEqualTo(395));
  }

  @Test
  void doesNotFlagDataThatMentionsAnExceptionEarlyInALongBody() throws IOException {
    String body = "Code: 1. DB::Exception: quoted in a row\n" + csvRows(100_000);

    assertThat(readAll(detector(body, null))).hasSize(body.length());
  }

  @Test
  void doesNotFlagDataThatMentionsAnExceptionNearTheEndFollowedByMoreRows() throws IOException {
    String body =
        csvRows(1000)
            + "\"Code: 62, e.displayText() = DB::Exception: Syntax error\",\"a row\"\n"
            + "Code: 62. DB::Exception: Syntax error\n"
            + csvRows(20);

    assertThat(readAll(detector(body, null))).hasSize(body.length());
  }

  @Test
  void doesNotFlagALastRowThatOnlyLooksLikeACode() throws IOException {
    String body = csvRows(10) + "\"Error Code: 12. retry later\"\n";

    assertThat(readAll(detector(body, null))).hasSize(body.length());
  }

  @Test
  void passesACutStreamOnAsAnIoErrorNotAsTheEnd() {
    InputStream cut = new CutStream(csvRows(10_000).getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> readAll(new TrailingExceptionDetector(cut, null)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("connection cut");
  }

  @Test
  void keepsFailingOnEveryReadAfterTheError() {
    TrailingExceptionDetector in = detector(ROWS + ERROR_18, null);

    assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
        .isInstanceOf(ClickHouseException.class);
    assertThatThrownBy(in::read).isInstanceOf(ClickHouseException.class);
  }

  @Test
  void seesSkippedBytesToo() {
    TrailingExceptionDetector in = detector(ROWS + ERROR_21, null);

    assertThatThrownBy(() -> in.skip(Long.MAX_VALUE)).isInstanceOf(ClickHouseException.class);
  }

  @Test
  void parsesBothErrorDialects() {
    assertThat(
            ServerError.parse(
                "Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1:"
                    + " SELEC 1, e.what() = DB::Exception\n"))
        .isEqualTo(new ServerError(62, "Syntax error: failed at position 1: SELEC 1"));
    assertThat(
            ServerError.parse(
                "Code: 60. DB::Exception: Table default.t does not exist. (UNKNOWN_TABLE)"
                    + " (version 24.8.4.13 (official build))\n"))
        .isEqualTo(new ServerError(60, "Table default.t does not exist. (UNKNOWN_TABLE)"));
    assertThat(ServerError.parse("Bad Gateway")).isEqualTo(new ServerError(0, "Bad Gateway"));
  }

  private static TrailingExceptionDetector detector(String body, String tag) {
    return new TrailingExceptionDetector(
        new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), tag);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    InputStream guarded =
        in instanceof TrailingExceptionDetector ? in : new TrailingExceptionDetector(in, null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    while ((n = guarded.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  private static void readByteByByteAndInChunks(InputStream in) throws IOException {
    byte[] buffer = new byte[5];
    boolean single = true;
    while (true) {
      int n = single ? in.read() : in.read(buffer, 0, buffer.length);
      if (n < 0) {
        return;
      }
      single = !single;
    }
  }

  private static String csvRows(int count) {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < count; i++) {
      rows.append(i).append(",\"row ").append(i).append("\"\n");
    }
    return rows.toString();
  }

  /** Ends with an IOException instead of an end of stream, like a chunked body cut short. */
  private static final class CutStream extends InputStream {
    private final ByteArrayInputStream data;

    CutStream(byte[] bytes) {
      data = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() throws IOException {
      int n = data.read();
      if (n < 0) {
        throw new IOException("connection cut");
      }
      return n;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = data.read(b, off, len);
      if (n < 0) {
        throw new IOException("connection cut");
      }
      return n;
    }
  }
}
