package io.agp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Writes a result to a file or standard output as it arrives, and goes on after a dropped
 * connection: the next request asks for the bytes from where the last one stopped ({@code Range},
 * answered {@code 206}); an API that answers {@code 200} instead (a result it decodes on the fly
 * cannot be ranged) sends it whole again, and the bytes already written are skipped. A file is
 * written beside its name and renamed once complete, so that a failed download leaves no
 * half-written file behind.
 */
final class Download {

  /** Reconnections in a row without a byte between them. */
  private static final int MAX_FAILURES = 5;

  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

  /** Told the bytes written so far and the total (-1 when unknown). */
  @FunctionalInterface
  interface Progress {
    void written(long done, long total);
  }

  private final Api api;

  Download(Api api) {
    this.api = api;
  }

  /** Writes the result of execution {@code id} to {@code file}, or to {@code stdout} when null. */
  long to(long id, @Nullable Path file, PrintStream stdout, Progress progress) {
    if (file == null) {
      long written = fetch(id, stdout, progress);
      stdout.flush();
      if (stdout.checkError()) {
        throw new CliException(ExitCode.FAILED, "cannot write the result to standard output");
      }
      return written;
    }
    Path part = file.resolveSibling(file.getFileName() + ".part");
    // Ctrl-C exits without unwinding this method.
    part.toFile().deleteOnExit();
    boolean complete = false;
    try {
      long written;
      try (OutputStream out = Files.newOutputStream(part)) {
        written = fetch(id, out, progress);
      }
      Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      complete = true;
      return written;
    } catch (IOException e) {
      throw new CliException(ExitCode.FAILED, "cannot write " + file + ": " + Options.why(e), e);
    } catch (UncheckedIOException e) {
      throw new CliException(
          ExitCode.FAILED, "cannot write " + file + ": " + Options.why(e.getCause()), e);
    } finally {
      if (!complete) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException e) {
          // Left for the user to see: the message above says what went wrong.
        }
      }
    }
  }

  private long fetch(long id, OutputStream out, Progress progress) {
    long written = 0;
    long total = -1;
    int failures = 0;
    while (true) {
      HttpRequest.Builder request =
          api.request("/v1/async/executions/" + id + "/result").timeout(Api.READ_TIMEOUT).GET();
      if (written > 0) {
        request.header("Range", "bytes=" + written + "-");
      }
      HttpResponse<InputStream> response;
      try {
        response = api.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        if (++failures > MAX_FAILURES) {
          throw api.unreachable(e);
        }
        Follower.pause(Follower.backoff(failures));
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCode.INTERRUPTED, "interrupted");
      }
      long skip;
      int status = response.statusCode();
      if (status == 206) {
        Matcher range =
            CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
        if (!range.matches() || Long.parseLong(range.group(1)) != written) {
          close(response);
          throw new CliException(
              ExitCode.UNREACHABLE, "the API resumed the result at another byte than asked");
        }
        skip = 0;
        total = "*".equals(range.group(2)) ? -1 : Long.parseLong(range.group(2));
      } else if (status == 200) {
        skip = written;
        total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      } else {
        CliException refusal = api.problem(status, response.headers(), text(response));
        if (status >= 500 && ++failures <= MAX_FAILURES) {
          Follower.pause(Follower.backoff(failures));
          continue;
        }
        throw refusal;
      }
      progress.written(written, total);
      long before = written;
      try (InputStream in = response.body()) {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          int from = (int) Math.min(skip, n);
          skip -= from;
          if (n > from) {
            write(out, buffer, from, n - from);
            written += n - from;
            progress.written(written, total);
          }
        }
        if (skip > 0) {
          throw new CliException(
              ExitCode.UNREACHABLE, "the API sent the result again shorter than the first time");
        }
        return written;
      } catch (IOException e) {
        // The connection broke in the middle: ask for the rest.
        failures = written > before ? 1 : failures + 1;
        if (failures > MAX_FAILURES) {
          throw api.unreachable(e);
        }
        Follower.pause(Follower.backoff(failures));
      }
    }
  }

  /** A failure to write is this machine's, not the connection's: it is not tried again. */
  private static void write(OutputStream out, byte[] buffer, int from, int length) {
    try {
      out.write(buffer, from, length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void close(HttpResponse<InputStream> response) {
    try {
      response.body().close();
    } catch (IOException e) {
      // Given up on anyway.
    }
  }
}
