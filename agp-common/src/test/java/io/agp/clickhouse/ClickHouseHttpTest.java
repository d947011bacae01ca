package io.agp.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How {@link ClickHouseHttp} reads answers and fails, against a server that answers bytes as told.
 */
class ClickHouseHttpTest {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final String OK_CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

  private ServerSocket server;
  private final CompletableFuture<String> request = new CompletableFuture<>();
  private final ClickHouseHttp http =
      new ClickHouseHttp("test", CONNECT_TIMEOUT, Duration.ZERO, null);
  private final ClickHouseHttp timed =
      new ClickHouseHttp("test", CONNECT_TIMEOUT, Duration.ofMillis(500), null);

  @AfterEach
  void stop() throws IOException {
    http.close();
    timed.close();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void sendsAPostWithHeadersAndBodyAndReadsAContentLengthBody() throws Exception {
    URI uri =
        answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-ClickHouse-Summary: {}\r\n\r\nhello");

    ClickHouseHttp.Exchange response =
        http.stream(
            uri.resolve("/?query_id=a%20b&x=1"),
            Map.of("X-ClickHouse-User", "u"),
            "SELECT 1".getBytes(StandardCharsets.UTF_8));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("x-clickhouse-summary")).hasValue("{}");
    assertThat(readAll(response.body())).isEqualTo("hello");
    String sent = request.get(5, TimeUnit.SECONDS);
    assertThat(sent)
        .startsWith("POST /?query_id=a%20b&x=1 HTTP/1.1\r\n")
        .contains("\r\nX-ClickHouse-User: u\r\n", "\r\nContent-Length: 8\r\n", "\r\nHost: ")
        .endsWith("\r\n\r\nSELECT 1");
  }

  @Test
  void decodesChunksWithExtensionsUpperCaseSizesAndTrailers() throws Exception {
    URI uri =
        answer(
            OK_CHUNKED
                + "5;name=value\r\nhello\r\n"
                + "1\r\n,\r\n"
                + "A\r\n0123456789\r\n"
                + "0\r\nX-Trailer: t\r\n\r\n");

    assertThat(readAll(post(uri).body())).isEqualTo("hello,0123456789");
  }

  @Test
  void decodesChunksThatArriveOneByteAtATime() throws Exception {
    String body = "x".repeat(5000) + "\n" + "y".repeat(70_000);
    URI uri = answerInPieces(1, OK_CHUNKED + chunked(body, 4096));

    assertThat(readAll(post(uri).body())).isEqualTo(body);
  }

  @Test
  void readsALargeChunkedBodyWhole() throws Exception {
    byte[] data = new byte[3 * ClickHouseHttp.STREAM_BUFFER + 17];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    response.writeBytes(OK_CHUNKED.getBytes(StandardCharsets.ISO_8859_1));
    response.writeBytes(chunkedBytes(data, 4096));
    URI uri = answerBytes(response.toByteArray(), 100_000);

    try (InputStream body = post(uri).body()) {
      assertThat(body.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void failsWhenTheConnectionEndsBeforeTheLastChunk() throws Exception {
    // ClickHouse 24.11+ leaves the last chunk out when the query fails after sending rows.
    URI uri = answer(OK_CHUNKED + "5\r\nhello\r\n");

    assertThatThrownBy(() -> readAll(post(uri).body()))
        .isInstanceOf(ConnectionClosedException.class);
  }

  @Test
  void failsWhenTheConnectionEndsInTheMiddleOfAChunk() throws Exception {
    URI uri = answer(OK_CHUNKED + "10\r\nhello");

    assertThatThrownBy(() -> readAll(post(uri).body()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chunk");
  }

  @Test
  void failsOnAChunkLongerThanItsSize() throws Exception {
    URI longer = answer(OK_CHUNKED + "3\r\nhello\r\n0\r\n\r\n");

    assertThatThrownBy(() -> readAll(post(longer).body())).isInstanceOf(IOException.class);
  }

  @Test
  void failsOnABadChunkSize() throws Exception {
    URI bad = answer(OK_CHUNKED + "zz\r\nhello\r\n0\r\n\r\n");

    assertThatThrownBy(() -> readAll(post(bad).body()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chunk");
  }

  @Test
  void failsWhenAContentLengthBodyIsCutShort() throws Exception {
    URI uri = answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");

    assertThatThrownBy(() -> readAll(post(uri).body()))
        .isInstanceOf(ConnectionClosedException.class);
  }

  @Test
  void readsABodyWithoutLengthUntilTheConnectionCloses() throws Exception {
    URI uri = answer("HTTP/1.0 200 OK\r\n\r\nuntil the end");

    assertThat(readAll(post(uri).body())).isEqualTo("until the end");
  }

  @Test
  void returnsTheStatusAndBodyOfAnError() throws Exception {
    URI uri =
        answer(
            "HTTP/1.1 500 Internal Server Error\r\nX-ClickHouse-Exception-Code: 62\r\n"
                + "Content-Length: 14\r\n\r\nCode: 62. oops");

    ClickHouseHttp.Exchange response = post(uri);

    assertThat(response.status()).isEqualTo(500);
    assertThat(response.header("X-ClickHouse-Exception-Code")).hasValue("62");
    assertThat(readAll(response.body())).isEqualTo("Code: 62. oops");
  }

  @Test
  void refusesSomethingThatIsNotHttp() throws Exception {
    URI uri = answer("SSH-2.0-OpenSSH\r\n\r\n");

    assertThatThrownBy(() -> post(uri)).isInstanceOf(IOException.class);
  }

  @Test
  void refusesLineBreaksInHeaderValues() throws Exception {
    URI uri = answer(OK_CHUNKED + "0\r\n\r\n");

    assertThatThrownBy(
            () -> http.stream(uri, Map.of("X-ClickHouse-Quota", "a\r\nX-Evil: 1"), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reportsARefusedConnection() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }

    assertThatThrownBy(() -> post(URI.create("http://127.0.0.1:" + port + "/")))
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void closingTheBodyFromAnotherThreadFailsABlockedRead() throws Exception {
    URI uri = answerAndHold(OK_CHUNKED + "5\r\nhello\r\n");
    InputStream body = post(uri).body();
    assertThat(body.readNBytes(5)).hasSize(5);

    CompletableFuture<Integer> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return body.read(new byte[10]);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    Thread.sleep(100);
    body.close();

    assertThat(blocked).failsWithin(Duration.ofSeconds(5));
  }

  @Test
  void aServerSilentBeforeItsAnswerFailsThePostAfterTheReadTimeout() throws Exception {
    URI uri = answerAndHold("");
    long started = System.nanoTime();

    assertThatThrownBy(() -> timed.stream(uri, Map.of(), new byte[0]))
        .isInstanceOf(ReadWatchdog.ReadTimeout.class)
        .hasMessageContaining("no byte from the server for 500 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aServerSilentInTheMiddleOfTheBodyFailsTheReadAfterTheReadTimeout() throws Exception {
    URI uri = answerAndHold(OK_CHUNKED + "5\r\nhello\r\n");
    InputStream body = timed.stream(uri, Map.of(), new byte[0]).body();
    assertThat(body.readNBytes(5)).isEqualTo("hello".getBytes(StandardCharsets.ISO_8859_1));

    assertThatThrownBy(() -> body.read(new byte[10])).isInstanceOf(ReadWatchdog.ReadTimeout.class);
  }

  @Test
  void aServerThatKeepsSendingIsNeverCutHoweverLongTheAnswer() throws Exception {
    // 2 s of answer in pieces every 100 ms, under a read timeout of 500 ms.
    StringBuilder chunks = new StringBuilder(OK_CHUNKED);
    for (int i = 0; i < 20; i++) {
      chunks.append("1\r\nx\r\n");
    }
    chunks.append("0\r\n\r\n");
    URI uri = serveSlowly(chunks.toString().getBytes(StandardCharsets.ISO_8859_1), 6, 100);

    String body = readAll(timed.stream(uri, Map.of(), new byte[0]).body());

    assertThat(body).isEqualTo("x".repeat(20));
  }

  @Test
  void aResultReadToItsEndLeavesItsConnectionToTheNextQuery() throws Exception {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    ServerSocket listening = server;
    CompletableFuture<List<String>> served = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              // One connection only: a second query on a new one would never be answered.
              try (Socket socket = listening.accept()) {
                List<String> requests = new ArrayList<>();
                for (String answer : List.of("one", "two")) {
                  requests.add(readRequest(socket.getInputStream()));
                  socket
                      .getOutputStream()
                      .write(
                          ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" + answer)
                              .getBytes(StandardCharsets.ISO_8859_1));
                }
                served.complete(requests);
              } catch (IOException e) {
                served.completeExceptionally(e);
              }
            });
    URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");

    // Under a read timeout, so that a second query sent on a new connection fails instead of
    // waiting for ever.
    String first;
    try (ClickHouseHttp.Exchange exchange = timed.stream(uri, Map.of(), new byte[0])) {
      first = readAll(exchange.body());
    }
    String second;
    try (ClickHouseHttp.Exchange exchange = timed.stream(uri, Map.of(), new byte[0])) {
      second = readAll(exchange.body());
    }

    assertThat(first + second).isEqualTo("onetwo");
    assertThat(served.get(5, TimeUnit.SECONDS)).hasSize(2);
  }

  @Test
  void aResultAbandonedBeforeItsEndCutsItsConnection() throws Exception {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    ServerSocket listening = server;
    CompletableFuture<Integer> afterAbandon = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (Socket socket = listening.accept()) {
                readRequest(socket.getInputStream());
                socket
                    .getOutputStream()
                    .write((OK_CHUNKED + "5\r\nhello\r\n").getBytes(StandardCharsets.ISO_8859_1));
                // A kept connection would block here; a cut one reads its end at once.
                afterAbandon.complete(socket.getInputStream().read());
              } catch (IOException e) {
                afterAbandon.complete(-1);
              }
            });
    ClickHouseHttp.Exchange exchange =
        post(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/"));
    assertThat(exchange.body().readNBytes(5)).hasSize(5);

    exchange.close();

    assertThat(afterAbandon.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  private ClickHouseHttp.Exchange post(URI uri) throws IOException {
    return http.stream(uri, Map.of(), "SELECT 1".getBytes(StandardCharsets.UTF_8));
  }

  private URI answer(String response) throws IOException {
    return answerBytes(response.getBytes(StandardCharsets.ISO_8859_1), Integer.MAX_VALUE);
  }

  private URI answerInPieces(int pieceSize, String response) throws IOException {
    return answerBytes(response.getBytes(StandardCharsets.ISO_8859_1), pieceSize);
  }

  private URI answerBytes(byte[] response, int pieceSize) throws IOException {
    return serve(response, pieceSize, false);
  }

  private URI answerAndHold(String response) throws IOException {
    return serve(response.getBytes(StandardCharsets.ISO_8859_1), Integer.MAX_VALUE, true);
  }

  private URI serveSlowly(byte[] response, int pieceSize, long pauseMillis) throws IOException {
    return serve(response, pieceSize, false, pauseMillis);
  }

  private URI serve(byte[] response, int pieceSize, boolean hold) throws IOException {
    return serve(response, pieceSize, hold, 0);
  }

  /**
   * Answers one connection with the bytes, written in pieces with a pause before each but the
   * first, then closes it (unless held).
   */
  private URI serve(byte[] response, int pieceSize, boolean hold, long pauseMillis)
      throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    ServerSocket listening = server;
    Thread.ofVirtual()
        .start(
            () -> {
              try (Socket socket = listening.accept()) {
                request.complete(readRequest(socket.getInputStream()));
                OutputStream out = socket.getOutputStream();
                for (int at = 0; at < response.length; at += pieceSize) {
                  if (at > 0 && pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                  }
                  out.write(response, at, Math.min(pieceSize, response.length - at));
                  out.flush();
                }
                if (hold) {
                  socket.getInputStream().read();
                }
              } catch (IOException | InterruptedException e) {
                request.completeExceptionally(e);
              }
            });
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
  }

  static String readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static String chunked(String body, int chunkSize) {
    return new String(
        chunkedBytes(body.getBytes(StandardCharsets.ISO_8859_1), chunkSize),
        StandardCharsets.ISO_8859_1);
  }

  static byte[] chunkedBytes(byte[] data, int chunkSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int at = 0; at < data.length; at += chunkSize) {
      int n = Math.min(chunkSize, data.length - at);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(data, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private static String readAll(InputStream body) throws IOException {
    try (body) {
      return new String(body.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
