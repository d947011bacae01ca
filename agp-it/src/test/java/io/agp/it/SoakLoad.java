package io.agp.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The soak's clients: each operation creates one kind of execution (or a group of duplicates),
 * follows it through the API to its end like a user's script, checks its final status twice and
 * downloads and checks its result. Requests that fail while a fault is under way are retried; what
 * a client should never see is kept in {@link #problems}.
 */
final class SoakLoad {

  private static final Pattern OP = Pattern.compile("SELECT (\\d+) AS soak_op");
  private static final Duration GIVE_UP = Duration.ofMinutes(4);
  private static final List<String> FINAL = List.of("SUCCEEDED", "FAILED", "CANCELED");
  private static final int LARGE_ROWS = 200_000;
  private static final int DUPLICATES = 3;

  /** The kinds of work, and the share of operations (in fiftieths) each one takes. */
  enum Kind {
    QUICK,
    LONG,
    FAILING,
    COLLAPSING,
    CANCELED,
    LARGE,
    SLOW_DOWNLOAD;

    static Kind of(int op) {
      int slot = op % 50;
      if (slot == 0) {
        return LARGE;
      } else if (slot == 1) {
        return SLOW_DOWNLOAD;
      } else if (slot < 5) {
        return LONG;
      } else if (slot < 8) {
        return FAILING;
      } else if (slot < 10) {
        return COLLAPSING;
      } else if (slot < 12) {
        return CANCELED;
      }
      return QUICK;
    }

    String sql(int op) {
      return switch (this) {
        case QUICK -> "SELECT " + op + " AS soak_op, 'q' AS k";
        case LONG, COLLAPSING, CANCELED ->
            "SELECT "
                + op
                + " AS soak_op, '"
                + name()
                + "' AS k, count() AS n FROM (SELECT sleepEachRow(0.5) FROM numbers(6)"
                + " SETTINGS max_block_size = 1)";
        case FAILING -> "SELECT " + op + " AS soak_op, throwIf(number = 2) AS t FROM numbers(5)";
        case LARGE, SLOW_DOWNLOAD ->
            "SELECT "
                + op
                + " AS soak_op, number AS n, (number * "
                + op
                + ") % 1000003 AS v, 'soak-padding-soak-padding' AS p FROM numbers("
                + LARGE_ROWS
                + ")";
      };
    }

    /** The CSV result of a successful execution. */
    byte[] expected(int op) {
      String text =
          switch (this) {
            case QUICK -> op + ",\"q\"\n";
            case LONG, COLLAPSING, CANCELED -> op + ",\"" + name() + "\",6\n";
            case FAILING -> "";
            case LARGE, SLOW_DOWNLOAD -> {
              StringBuilder rows = new StringBuilder(LARGE_ROWS * 48);
              for (long n = 0; n < LARGE_ROWS; n++) {
                rows.append(op)
                    .append(',')
                    .append(n)
                    .append(',')
                    .append(n * op % 1000003)
                    .append(",\"soak-padding-soak-padding\"\n");
              }
              yield rows.toString();
            }
          };
      return text.getBytes(StandardCharsets.UTF_8);
    }

    String expectedStatus() {
      return this == FAILING ? "FAILED" : this == CANCELED ? "CANCELED" : "SUCCEEDED";
    }
  }

  /** One timed request: when it was sent and how long its answer took, in milliseconds. */
  record Timing(Instant at, double millis) {}

  /** What a client saw of one execution: its kind and final status. */
  record Outcome(Kind kind, String status) {}

  private final ApiClient client;
  private final Predicate<Instant> faultAt;
  final Map<Integer, Kind> ops = new ConcurrentHashMap<>();
  final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
  final Map<Long, Integer> verified = new ConcurrentHashMap<>();
  final Queue<Timing> creates = new ConcurrentLinkedQueue<>();
  final Queue<Timing> downloads = new ConcurrentLinkedQueue<>();
  final Queue<String> problems = new ConcurrentLinkedQueue<>();
  final Queue<Instant> retriedRequests = new ConcurrentLinkedQueue<>();
  final AtomicLong collapsed = new AtomicLong();
  final AtomicLong cancelsAccepted = new AtomicLong();
  final AtomicLong cancelsTooLate = new AtomicLong();
  final AtomicLong slowBytes = new AtomicLong();

  /**
   * @param faultAt whether a fault was under way (or settling) at an instant: failures then are
   *     retried, failures at any other time are problems
   */
  SoakLoad(ApiClient client, Predicate<Instant> faultAt) {
    this.client = client;
    this.faultAt = faultAt;
  }

  /** The operation a row's SQL belongs to. */
  static int opOf(String sql) {
    Matcher matcher = OP.matcher(sql);
    if (!matcher.find()) {
      throw new IllegalArgumentException("not a soak query: " + sql);
    }
    return Integer.parseInt(matcher.group(1));
  }

  /** Runs one operation to its end: create, maybe cancel, follow, check, download. */
  void operate(int op) throws InterruptedException {
    Kind kind = Kind.of(op);
    ops.put(op, kind);
    String tier = op % 2 == 0 ? "default" : "vip";
    String body = "{\"sql\":\"" + kind.sql(op) + "\",\"tier\":\"" + tier + "\",\"format\":\"CSV\"}";
    if (kind == Kind.COLLAPSING) {
      List<Thread> group = new ArrayList<>();
      for (int d = 0; d < DUPLICATES; d++) {
        group.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        follow(op, kind, create(op, body), null);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
      for (Thread thread : group) {
        thread.join();
      }
      return;
    }
    Created created = create(op, body);
    String expectedStatus = null;
    if (created != null && kind == Kind.CANCELED) {
      Thread.sleep(ThreadLocalRandom.current().nextInt(1500));
      expectedStatus = cancel(created.id());
    }
    follow(op, kind, created, expectedStatus);
  }

  private record Created(long id, Instant at) {}

  private Created create(int op, String body) throws InterruptedException {
    Instant deadline = Instant.now().plus(GIVE_UP);
    while (Instant.now().isBefore(deadline)) {
      Instant sent = Instant.now();
      long start = System.nanoTime();
      ApiClient.Reply reply = attempt(() -> client.postJson("/v1/async/executions", body));
      if (reply != null && (reply.status() == 201 || reply.status() == 200)) {
        creates.add(new Timing(sent, (System.nanoTime() - start) / 1e6));
        if (reply.status() == 200 && reply.json().get("collapsed").asBoolean()) {
          collapsed.incrementAndGet();
        }
        return new Created(reply.json().get("id").asLong(), sent);
      }
      if (!retry(sent, "create of op " + op, reply)) {
        return null;
      }
    }
    problems.add("create of op " + op + " gave up after " + GIVE_UP);
    return null;
  }

  /** Cancels; the status the execution must end with: CANCELED, or SUCCEEDED if it was too late. */
  private String cancel(long id) throws InterruptedException {
    Instant deadline = Instant.now().plus(GIVE_UP);
    while (Instant.now().isBefore(deadline)) {
      Instant sent = Instant.now();
      ApiClient.Reply reply = attempt(() -> client.post("/v1/async/executions/" + id + "/cancel"));
      if (reply != null && reply.status() == 200) {
        cancelsAccepted.incrementAndGet();
        return "CANCELED";
      }
      if (reply != null && reply.status() == 409) {
        cancelsTooLate.incrementAndGet();
        return null;
      }
      if (!retry(sent, "cancel of " + id, reply)) {
        return null;
      }
    }
    problems.add("cancel of " + id + " gave up");
    return null;
  }

  /**
   * Polls the execution until it ends, reads it once more a second later (a final status never
   * changes, but for SUCCEEDED to EXPIRED), then downloads and checks a successful result.
   */
  private void follow(int op, Kind kind, Created created, String expectedStatus)
      throws InterruptedException {
    if (created == null) {
      return;
    }
    long id = created.id();
    JsonNode last = null;
    Instant deadline = Instant.now().plus(GIVE_UP);
    while (Instant.now().isBefore(deadline)) {
      last = read(id);
      if (last != null && FINAL.contains(last.get("status").asString())) {
        break;
      }
      Thread.sleep(250);
    }
    if (last == null || !FINAL.contains(last.get("status").asString())) {
      problems.add("execution " + id + " of op " + op + " did not end within " + GIVE_UP);
      return;
    }
    Instant ended = Instant.now();
    String status = last.get("status").asString();
    outcomes.put(id, new Outcome(kind, status));
    Thread.sleep(1000);
    JsonNode again = read(id);
    String later = again == null ? null : again.get("status").asString();
    if (later != null
        && !later.equals(status)
        && !(status.equals("SUCCEEDED") && later.equals("EXPIRED"))) {
      problems.add("execution " + id + " was " + status + ", then " + later);
    }
    // A cancel that came too late leaves the execution to succeed.
    String wanted =
        kind != Kind.CANCELED
            ? kind.expectedStatus()
            : expectedStatus != null ? expectedStatus : "SUCCEEDED";
    if (!status.equals(wanted) && !(status.equals("FAILED") && faultDuring(created.at(), ended))) {
      problems.add(
          "execution "
              + id
              + " of op "
              + op
              + " ("
              + kind
              + ") is "
              + status
              + ", not "
              + wanted
              + ": "
              + last);
    }
    if (status.equals("SUCCEEDED")) {
      download(id, op, kind);
    }
  }

  /**
   * Downloads a result (slowly for {@link Kind#SLOW_DOWNLOAD}) until it is whole, and checks it.
   */
  void download(long id, int op, Kind kind) throws InterruptedException {
    byte[] expected = kind.expected(op);
    Instant deadline = Instant.now().plus(GIVE_UP);
    while (Instant.now().isBefore(deadline)) {
      Instant sent = Instant.now();
      long start = System.nanoTime();
      byte[] body;
      int status;
      try {
        HttpResponse<InputStream> response =
            client.download("/v1/async/executions/" + id + "/result");
        status = response.statusCode();
        try (InputStream in = response.body()) {
          body = kind == Kind.SLOW_DOWNLOAD ? readSlowly(in) : in.readAllBytes();
        }
      } catch (IOException | RuntimeException e) {
        if (!retry(sent, "download of " + id, null)) {
          return;
        }
        continue;
      }
      if (status == 410) {
        // Expired (a short result time to live) before this client came to it.
        verified.put(id, 0);
        return;
      }
      if (status != 200) {
        if (!retry(sent, "download of " + id + ": " + status, null)) {
          return;
        }
        continue;
      }
      if (kind == Kind.QUICK) {
        downloads.add(new Timing(sent, (System.nanoTime() - start) / 1e6));
      }
      if (!Arrays.equals(body, expected)) {
        problems.add(
            String.format(
                Locale.ROOT,
                "result of %d (op %d, %s): %d bytes, expected %d",
                id,
                op,
                kind,
                body.length,
                expected.length));
      }
      verified.put(id, body.length);
      return;
    }
    problems.add("download of " + id + " gave up");
  }

  private byte[] readSlowly(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      out.write(buffer, 0, n);
      slowBytes.addAndGet(n);
      try {
        // About 1 MB/s: a client on a slow link, holding its connection for seconds.
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    return out.toByteArray();
  }

  private JsonNode read(long id) throws InterruptedException {
    Instant sent = Instant.now();
    ApiClient.Reply reply = attempt(() -> client.get("/v1/async/executions/" + id));
    if (reply != null && reply.status() == 200) {
      return reply.json();
    }
    retry(sent, "get of " + id, reply);
    return null;
  }

  /**
   * After a failed request: waits and says to try again if a fault explains it; otherwise records a
   * problem and says to stop.
   */
  private boolean retry(Instant sent, String what, ApiClient.Reply reply)
      throws InterruptedException {
    retriedRequests.add(sent);
    boolean server = reply == null || reply.status() >= 500;
    if (!server) {
      problems.add(what + ": " + reply.status() + " " + reply.text());
      return false;
    }
    if (!faultDuring(sent, Instant.now())) {
      problems.add(
          what
              + " failed outside any fault: "
              + (reply == null ? "no answer" : reply.status() + " " + reply.text()));
      return false;
    }
    Thread.sleep(500);
    return true;
  }

  private boolean faultDuring(Instant from, Instant to) {
    for (Instant t = from; !t.isAfter(to); t = t.plusSeconds(1)) {
      if (faultAt.test(t)) {
        return true;
      }
    }
    return faultAt.test(to);
  }

  private static ApiClient.Reply attempt(Supplier<ApiClient.Reply> request) {
    try {
      return request.get();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
