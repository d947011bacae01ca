package io.agp.api;

import static io.agp.api.Gen.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.testkit.ClickHouseTestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generated bad input for every operation of {@code openapi/api.yaml}: valid requests with their
 * parameters, bodies, ids and headers replaced by wrong types, extreme numbers, odd unicode, broken
 * JSON, other media types and huge values. Whatever comes in, the API answers without a 5xx, never
 * shows a stack trace, answers errors as problem+json, and a rejected request leaves every
 * execution as it was.
 *
 * <p>Each test sends {@code -Dagp.fuzz.tries=N} generated requests (300 by default), drawn from a
 * random seeded with {@code -Dagp.fuzz.seed=S}: by default a fixed seed, so that the normal build
 * sends the same requests every time and stays reproducible; {@code -Dagp.fuzz.seed=random} draws
 * new ones. A failure names the seed and the try; the same seed sends the same requests again.
 */
@Tag("fuzz")
class BadInputFuzzTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String EXECUTIONS = "/v1/async/executions";
  private static final String SCHEDULES = "/v1/schedules";

  private static TestApi api;
  private static long pending;
  private static long schedule;
  private static long succeeded;
  private static long failed;
  private static String link;

  private static final int TRIES = Integer.getInteger("agp.fuzz.tries", 300);

  /** The seed the build always sends, so that what it found once stays found. */
  private static final long FIXED_SEED = 20261128;

  /**
   * The seeds of this run: {@code -Dagp.fuzz.seed=S} (or {@code random}) alone when given; else the
   * fixed seed and one derived from the commit under test, so that each change explores new
   * requests and a failure still replays with the seed it prints.
   */
  private static final List<Long> SEEDS = seeds();

  private static List<Long> seeds() {
    String given = System.getProperty("agp.fuzz.seed");
    if (given != null) {
      return List.of(
          given.equals("random") ? new SplittableRandom().nextLong() : Long.parseLong(given));
    }
    List<Long> seeds = new ArrayList<>(List.of(FIXED_SEED));
    commitSeed().ifPresent(seeds::add);
    return List.copyOf(seeds);
  }

  /** A seed from the first 16 hex digits of the commit under test, if git can tell it. */
  private static Optional<Long> commitSeed() {
    try {
      Process git =
          new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      String commit =
          new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (git.waitFor() != 0 || !commit.matches("[0-9a-f]{16,}")) {
        return Optional.empty();
      }
      return Optional.of(Long.parseUnsignedLong(commit.substring(0, 16), 16));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Valid {@code Authorization} values the generator mixes in; none with auth off. */
  private static List<String> bearers = List.of();

  @BeforeAll
  static void start() throws Exception {
    // A wait of at most a second: a generated valid wait must not hold a try for a minute.
    api = TestApi.start(withClickHouse("--agp.api.max-wait=1s"));
    bearers = List.of();
    createFixtures(null);
  }

  /**
   * The arguments of a fuzzed API: both tiers on the test ClickHouse, so that the interactive APIs'
   * valid queries run, and each try meets a real answer.
   */
  static String[] withClickHouse(String... arguments) {
    String url = ClickHouseTestServer.shared().httpUrl().toString();
    List<String> all = new ArrayList<>(List.of(arguments));
    all.add("--agp.tiers.default.clickhouse.url=" + url);
    all.add("--agp.tiers.gold.clickhouse.url=" + url);
    // A value of its own, which a query may lower (max_threads<=tier).
    all.add("--agp.tiers.default.settings.max_threads=4");
    return all.toArray(String[]::new);
  }

  /**
   * The executions the generated requests aim at: one PENDING, one SUCCEEDED with a signed link,
   * one FAILED, created with {@code authorization} (null with auth off).
   */
  static void createFixtures(String authorization) throws Exception {
    System.out.printf(
        "%s: %d tries per test and seed, seeds %s (the last one the commit's unless given;"
            + " replay one with -Dagp.fuzz.seed=S)%n",
        authorization == null ? "BadInputFuzzTest" : "BadInputFuzzTest (jwt)", TRIES, SEEDS);
    ContractClient client = api.client;
    pending = create(client, authorization, "SELECT 'fuzz pending'");
    long done = create(client, authorization, "SELECT 'fuzz done'");
    succeeded = api.succeed(done, "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), null).id();
    failed = create(client, authorization, "SELECT 'fuzz failed'");
    api.repository().fail(api.start(failed), "failed on purpose");
    HttpRequest.Builder scheduleRequest =
        HttpRequest.newBuilder()
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"sql\": \"SELECT 'fuzz schedule'\", \"every_seconds\": 3600}"));
    if (authorization != null) {
      scheduleRequest.header("Authorization", authorization);
    }
    schedule = client.send("POST", SCHEDULES, scheduleRequest).json().get("id").asLong();
    HttpRequest.Builder linkRequest =
        HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      linkRequest.header("Authorization", authorization);
    }
    String url =
        client
            .send("POST", EXECUTIONS + "/" + succeeded + "/result-link", linkRequest)
            .json()
            .get("url")
            .asString();
    link = url.substring(url.indexOf("/v1/async/links/"));
  }

  private static long create(ContractClient client, String authorization, String sql) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder()
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(sql));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send("POST", EXECUTIONS, request).json().get("id").asLong();
  }

  /**
   * With auth on: the API to fuzz, and the valid bearer values (the fixtures' owner first) that the
   * generator sends among the broken ones, so that requests reach the handlers as each user.
   */
  static void useJwt(TestApi jwtApi, List<String> validBearers) throws Exception {
    api = jwtApi;
    bearers = List.copyOf(validBearers);
    createFixtures(validBearers.getFirst());
  }

  /** One generated request. */
  record Req(String method, String path, List<Map.Entry<String, String>> headers, byte[] body) {

    @Override
    public String toString() {
      String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
      return method
          + " "
          + abbreviate(path)
          + " "
          + headers.stream()
              .map(h -> h.getKey() + ": " + abbreviate(h.getValue()))
              .collect(Collectors.joining(", ", "[", "]"))
          + " "
          + abbreviate(text);
    }
  }

  // ---- tests, one per operation of the contract --------------------------------------------

  /**
   * The generator of each operation of {@code openapi/api.yaml}, by its operationId. A new
   * operation without one fails {@link #everyOperationOfTheContractHasAGenerator}.
   */
  private static final Map<String, Supplier<Gen<Req>>> OPERATIONS = operations();

  private static Map<String, Supplier<Gen<Req>>> operations() {
    Map<String, Supplier<Gen<Req>>> operations = new TreeMap<>();
    operations.put("createExecution", () -> Gen.oneOf(createTextRequests(), createJsonRequests()));
    operations.put("listExecutions", BadInputFuzzTest::listRequests);
    operations.put("getExecution", BadInputFuzzTest::byIdRequests);
    operations.put("cancelExecution", BadInputFuzzTest::byIdRequests);
    operations.put("createResultLink", BadInputFuzzTest::byIdRequests);
    operations.put("createEventToken", BadInputFuzzTest::byIdRequests);
    operations.put("streamExecutionEvents", BadInputFuzzTest::eventRequests);
    operations.put("getExecutionResult", BadInputFuzzTest::resultRequests);
    operations.put("previewExecutionResult", BadInputFuzzTest::previewRequests);
    operations.put("getExecutionRows", BadInputFuzzTest::rowsRequests);
    operations.put("getSignedResult", BadInputFuzzTest::signedLinkRequests);
    operations.put("getQueues", BadInputFuzzTest::queueRequests);
    operations.put("getBudgets", BadInputFuzzTest::budgetRequests);
    operations.put("searchExecutions", BadInputFuzzTest::searchRequests);
    operations.put("runQuery", () -> Gen.oneOf(syncRunTextRequests(), syncRunJsonRequests()));
    operations.put("proxyQueryGet", BadInputFuzzTest::proxyRequests);
    operations.put("proxyQuery", BadInputFuzzTest::proxyRequests);
    operations.put("proxyPing", BadInputFuzzTest::pingRequests);
    operations.put("createSchedule", () -> scheduleBodyRequests("POST", Gen.just(SCHEDULES)));
    operations.put("listSchedules", BadInputFuzzTest::scheduleListRequests);
    operations.put("getSchedule", () -> scheduleByIdRequests("GET", ""));
    operations.put("replaceSchedule", BadInputFuzzTest::scheduleReplaceRequests);
    operations.put("deleteSchedule", () -> scheduleByIdRequests("DELETE", ""));
    operations.put("pauseSchedule", () -> scheduleByIdRequests("POST", "/pause"));
    operations.put("resumeSchedule", () -> scheduleByIdRequests("POST", "/resume"));
    operations.put("getUsage", BadInputFuzzTest::usageRequests);
    return operations;
  }

  /** The operationIds of the contract's paths (not of its callbacks, which AGP sends). */
  static List<String> contractOperations() throws IOException {
    Path contract = Path.of(System.getProperty("user.dir")).getParent().resolve("openapi/api.yaml");
    List<String> ids = new ArrayList<>();
    Matcher operation =
        Pattern.compile("(?m)^      operationId: (\\w+)$").matcher(Files.readString(contract));
    while (operation.find()) {
      ids.add(operation.group(1));
    }
    return ids;
  }

  @Test
  void everyOperationOfTheContractHasAGenerator() throws IOException {
    assertThat(contractOperations()).isNotEmpty();
    assertThat(OPERATIONS.keySet()).containsExactlyInAnyOrderElementsOf(contractOperations());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("contractOperations")
  void operation(String operationId) {
    run(OPERATIONS.get(operationId).get());
  }

  /** Paths and methods no operation has, and the console's. */
  @Test
  void otherMethodsAndPaths() {
    run(otherMethodsRequests());
  }

  /**
   * {@link #TRIES} requests from the generator, each checked; a failure names seed and try. Every
   * test starts from the seed, but the executions earlier tests created stay, so a replay runs the
   * whole class.
   */
  private static void run(Gen<Req> requests) {
    for (long seed : SEEDS) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 1; i <= TRIES; i++) {
        Req request = null;
        try {
          request = requests.next(random);
          check(request);
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(
              "seed %d, try %d of %d (replay the class with -Dagp.fuzz.seed=%d): %s%n%s"
                  .formatted(seed, i, TRIES, seed, request, e.getMessage()),
              e);
        }
      }
    }
  }

  /**
   * Queries assembled from pieces a tier allows and pieces it does not (settings, table functions,
   * system tables, statements, texts versions read differently), in random case and quoting, sent
   * to a create, the sync run or the proxy: refused with 400 naming a disallowed piece exactly when
   * one is in, run otherwise. URL settings of the proxy likewise, named by their parameter.
   */
  @Test
  void generatedQueriesAreRefusedExactlyWhenTheyHoldWhatTheTierDoesNotAllow() {
    Gen<HostileQuery> queries = hostileQueries();
    Gen<String> endpoint = Gen.of("create", "sync", "proxy", "proxy-url");
    for (long seed : SEEDS) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 1; i <= TRIES / 5; i++) {
        HostileQuery query = queries.next(random);
        String where = endpoint.next(random);
        Reply reply = null;
        try {
          reply = sendHostile(query, where, random);
          String refused = where.equals("proxy-url") ? query.urlRefused() : query.refused();
          if (refused == null) {
            assertThat(reply.status()).as("status").isIn(200, 201);
          } else {
            assertThat(reply.status()).as("status").isEqualTo(400);
            assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
            assertThat(reply.json().get("detail").asString().toLowerCase())
                .as("detail")
                .contains(refused);
          }
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(
              "seed %d, try %d (replay the class with -Dagp.fuzz.seed=%d): %s to %s: %s%n%s"
                  .formatted(seed, i, seed, query, where, reply, e.getMessage()),
              e);
        }
      }
    }
  }

  /**
   * A query made of pieces; {@code refused} names the disallowed piece (lower-case) the tier
   * refuses first, or is null when there is none. {@code urlSetting} is a setting sent as a URL
   * parameter of the proxy, {@code urlRefused} its name when the tier refuses it.
   */
  record HostileQuery(String sql, String refused, String urlSetting, String urlRefused) {}

  /** A piece of a query: its text, and the name it is refused by (null when allowed). */
  private record Piece(String text, String refused) {

    static Piece allowed(String text) {
      return new Piece(text, null);
    }
  }

  private static Gen<HostileQuery> hostileQueries() {
    Gen<Piece> source =
        Gen.frequencyOf(
            weighted(
                6,
                Gen.of(
                    Piece.allowed("numbers(3)"),
                    Piece.allowed("system.one"),
                    Piece.allowed("(SELECT 1 AS x)"),
                    Piece.allowed("system.tables"))),
            weighted(
                4,
                Gen.of(
                    new Piece("url('http://127.0.0.1:1/x', CSV, 'x UInt8')", "url"),
                    new Piece("remote('127.0.0.1:9000', system.one)", "remote"),
                    new Piece("file('a.csv', CSV, 'x UInt8')", "file"),
                    new Piece("merge('system', '^one$')", "merge"),
                    new Piece("a_table_function_of_tomorrow(1)", "a_table_function_of_tomorrow"),
                    new Piece("system.processes", "system.processes"),
                    new Piece("system.query_log", "system.query_log"),
                    new Piece("system.users", "system.users"),
                    new Piece("system.a_table_of_tomorrow", "system.a_table_of_tomorrow"))));
    Gen<Piece> setting =
        Gen.frequencyOf(
            weighted(
                6,
                Gen.of(
                    Piece.allowed("join_use_nulls = 1"),
                    Piece.allowed("extremes = 0"),
                    Piece.allowed("max_threads = 2"),
                    Piece.allowed("output_format_json_quote_64bit_integers = 0"))),
            weighted(
                4,
                Gen.of(
                    new Piece("log_queries = 0", "log_queries"),
                    new Piece("max_result_rows_leaf = 0", "max_result_rows_leaf"),
                    new Piece("http_response_headers = 1", "http_response_headers"),
                    new Piece("role = 'admin'", "role"),
                    new Piece("max_execution_time = 0", "max_execution_time"),
                    new Piece("readonly = 0", "readonly"),
                    new Piece("result_overflow_mode = 'break'", "result_overflow_mode"),
                    new Piece("a_setting_of_tomorrow = 1", "a_setting_of_tomorrow"),
                    new Piece("max_threads = 100", "max_threads"))));
    Gen<Piece> filter =
        Gen.frequencyOf(
            weighted(8, Gen.of(Piece.allowed("1"), Piece.allowed("1 = 1 /* a comment */"))),
            weighted(
                2,
                Gen.of(
                    new Piece("$t$x$t$ = 'x'", "read this sql differently"),
                    new Piece("1 /* /* */ */ = 1", "read this sql differently"))));
    Gen<Piece> statement =
        Gen.frequencyOf(
            weighted(9, Gen.just(Piece.allowed(null))),
            weighted(
                1,
                Gen.of(
                    new Piece("KILL QUERY WHERE query_id = 'agp-1-1'", "system.processes"),
                    new Piece("SHOW PROCESSLIST", "system.processes"),
                    new Piece("SHOW GRANTS", "system.grants"))));
    Gen<Piece> urlSetting =
        Gen.of(
            Piece.allowed("max_threads=1"),
            Piece.allowed("output_format_json_quote_64bit_integers=1"),
            new Piece("http_response_headers=%7B%7D", "http_response_headers"),
            new Piece("role=admin", "role"),
            new Piece("log_queries=0", "log_queries"),
            new Piece("max_result_rows_leaf=0", "max_result_rows_leaf"),
            new Piece("max_threads=64", "max_threads"));
    return random -> {
      Piece whole = statement.next(random);
      Piece url = urlSetting.next(random);
      String urlRefused = url.refused();
      if (whole.text() != null) {
        return new HostileQuery(whole.text(), whole.refused(), url.text(), urlRefused);
      }
      Piece from = source.next(random);
      Piece where = filter.next(random);
      Piece settings = setting.next(random);
      String sql =
          mixedCase("SELECT count() FROM ", random)
              + from.text()
              + " WHERE "
              + where.text()
              + mixedCase(" SETTINGS ", random)
              + settings.text();
      // The policy reads the text for differing readings first, then settings, then what it
      // reaches: the first disallowed piece in that order is the one the answer names.
      String refused =
          where.refused() != null
              ? where.refused()
              : settings.refused() != null ? settings.refused() : from.refused();
      return new HostileQuery(sql, refused, url.text(), urlRefused);
    };
  }

  private static String mixedCase(String text, RandomGenerator random) {
    StringBuilder mixed = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      mixed.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return mixed.toString();
  }

  private static Reply sendHostile(HostileQuery query, String endpoint, SplittableRandom random) {
    ContractClient client = api.client;
    HttpRequest.Builder request = HttpRequest.newBuilder();
    if (!bearers.isEmpty()) {
      request.header("Authorization", bearers.getFirst());
    }
    String encoded = URLEncoder.encode(query.sql(), StandardCharsets.UTF_8);
    return switch (endpoint) {
      case "create" ->
          client.send(
              "POST",
              EXECUTIONS + "?wait=0",
              request
                  .header("Content-Type", "text/plain")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          query.sql() + " -- " + random.nextLong())));
      case "sync" ->
          client.send(
              "POST",
              "/v1/sync/run?format=CSV",
              request
                  .header("Content-Type", "text/plain")
                  .POST(HttpRequest.BodyPublishers.ofString(query.sql())));
      case "proxy" -> client.send("GET", PROXY + "/?query=" + encoded, request.GET());
      default ->
          client.send(
              "GET",
              PROXY
                  + "/?query="
                  + URLEncoder.encode("SELECT 1", StandardCharsets.UTF_8)
                  + "&"
                  + query.urlSetting(),
              request.GET());
    };
  }

  // ---- the checks ------------------------------------------------------------------------

  /** Tomcat's limit on the request line and headers (server.max-http-request-header-size). */
  private static final int MAX_HEAD = 8 * 1024;

  private static void check(Req request) {
    List<String> before = snapshot();
    Reply reply;
    try {
      reply = send(request);
    } catch (IllegalStateException e) {
      // Over the limit with a body behind it, Tomcat answers 400 and closes the connection; the
      // client, still sending, may see the reset instead of the answer. Nothing may have changed.
      if (head(request) <= MAX_HEAD || request.body() == null) {
        throw e;
      }
      assertThat(snapshot()).as("executions after %s", request).isEqualTo(before);
      return;
    }
    String text = reply.text();
    if (request.path().startsWith(PROXY) && isClickHouseError(reply)) {
      // ClickHouse's own error, passed through as ClickHouse wrote it (its status, its text).
      assertThat(text)
          .as("body of %s", request)
          .doesNotContain("\tat ")
          .doesNotContain("at io.agp");
      return;
    }
    assertThat(reply.status()).as("status of %s: %s", request, text).isLessThan(500);
    assertThat(text)
        .as("body of %s", request)
        .doesNotContain("\tat ")
        .doesNotContain("at io.agp")
        .doesNotContain("at java.")
        .doesNotContain("at org.")
        .doesNotContain("Exception")
        .doesNotContainIgnoringCase("stack");
    if (reply.status() >= 400) {
      if (reply.body().length > 0) {
        assertThat(reply.header("Content-Type"))
            .as("content type of %d to %s: %s", reply.status(), request, text)
            .startsWith("application/problem+json");
        assertThat(reply.json().get("status").asInt()).isEqualTo(reply.status());
      }
      assertThat(snapshot())
          .as("executions after %d to %s", reply.status(), request)
          .isEqualTo(before);
    }
  }

  private static final String PROXY = "/v1/chproxy";

  /** An error ClickHouse answered, which the proxy passes on untouched. */
  private static boolean isClickHouseError(Reply reply) {
    String type = reply.header("Content-Type");
    return reply.status() >= 400
        && (type == null || !type.startsWith("application/problem+json"))
        && reply.text().startsWith("Code: ");
  }

  private static int head(Req request) {
    return request.path().length()
        + request.headers().stream()
            .mapToInt(
                h -> h.getKey().length() + h.getValue().getBytes(StandardCharsets.UTF_8).length + 4)
            .sum();
  }

  /** Every row, every column: any change by a rejected request shows. */
  private static List<String> snapshot() {
    List<String> rows =
        new ArrayList<>(
            api.jdbc()
                .sql("select e::text from executions e order by id")
                .query(String.class)
                .list());
    rows.addAll(
        api.jdbc().sql("select s::text from schedules s order by id").query(String.class).list());
    return rows;
  }

  private static Reply send(Req request) {
    Reply reply;
    try {
      reply = api.client.sendUnchecked(request.path(), builder(request, false));
    } catch (IllegalArgumentException e) {
      // A header value the JDK client refuses to send: send its printable ASCII instead.
      reply = api.client.sendUnchecked(request.path(), builder(request, true));
    }
    return decoded(reply);
  }

  /**
   * The reply as a client that asked for gzip reads it: a JSON answer (a problem too) may come
   * compressed; a result passes its stored encoding through, which stays as it came.
   */
  private static Reply decoded(Reply reply) {
    String type = reply.header("Content-Type");
    if (!"gzip".equals(reply.header("Content-Encoding"))
        || type == null
        || !(type.startsWith("application/json") || type.startsWith("application/problem+json"))
        || String.valueOf(reply.header("Content-Disposition")).startsWith("attachment")) {
      return reply;
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(reply.body()))) {
      return new Reply(reply.status(), reply.headers(), in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("a gzip answer that does not decode", e);
    }
  }

  private static HttpRequest.Builder builder(Req request, boolean asciiHeaders) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder()
            .method(
                request.method(),
                request.body() == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(request.body()));
    for (Map.Entry<String, String> header : request.headers()) {
      String value = header.getValue();
      if (asciiHeaders) {
        value = value.replaceAll("[^\\x20-\\x7e]", "?");
      }
      builder.header(header.getKey(), value);
    }
    return builder;
  }

  // ---- generators: operations ----------------------------------------------------------

  private static Gen<Req> createTextRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "query_id", Gen.of("q1", "fuzz-query"),
                "tier", Gen.of("default", "gold"),
                "format", Gen.of("JSON", "CSV", "TSVWithNamesAndTypes"),
                "max_age", Gen.of("0", "600"),
                "replace", Gen.of("true", "false"),
                "wait", Gen.just("0")));
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(3, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))),
            weighted(1, Gen.just(new byte[0])),
            weighted(1, rawBytes()),
            weighted(1, Gen.just(("SELECT '" + "x".repeat(70_000) + "'").getBytes())));
    Gen<List<Map.Entry<String, String>>> headers = headers("text/plain");
    return random ->
        new Req("POST", EXECUTIONS + query.next(random), headers.next(random), body.next(random));
  }

  private static Gen<Req> createJsonRequests() {
    Gen<ObjectNode> valid =
        object(
            field("sql", Gen.of("SELECT 1", "SELECT 'fuzz'")),
            field("query_id", Gen.of("fuzz-json", "x")),
            field("tier", Gen.of("default", "gold")),
            field("format", Gen.of("JSON", "CSV", "JSONEachRow")),
            field("max_age", Gen.of(0, 60, 2592000)),
            field("replace", Gen.of(true, false)),
            stringMapField("parameters"),
            stringMapField("labels"));
    Gen<byte[]> body = jsonBodies(valid);
    Gen<String> query = queryString(Map.of("query_id", Gen.of("fuzz-q"), "wait", Gen.just("0")));
    Gen<List<Map.Entry<String, String>>> headers = headers("application/json");
    return random ->
        new Req("POST", EXECUTIONS + query.next(random), headers.next(random), body.next(random));
  }

  private static Gen<Req> listRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "query_id", Gen.of("fuzz-json", "q1"),
                "status", Gen.of("PENDING", "SUCCEEDED", "FAILED,CANCELED"),
                "tier", Gen.of("default", "gold"),
                "created_by", Gen.of("tester", "fuzzer"),
                "created_after", Gen.of("2025-01-01T00:00:00Z", "2025-01-01T00:00:00+02:00"),
                "created_before", Gen.of("2100-01-01T00:00:00Z"),
                "label", Gen.of("team=ads", "k=v"),
                "limit", Gen.of("1", "50", "1000")),
            Map.of("cursor", cursors()));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> new Req("GET", EXECUTIONS + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> byIdRequests() {
    Gen<String> operation =
        Gen.of("GET:", "POST:/cancel", "POST:/result-link", "POST:/events/token");
    Gen<String> query = queryString(Map.of("wait", Gen.just("0")));
    Gen<String> ids = ids();
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> {
      String[] parts = operation.next(random).split(":", 2);
      String id = ids.next(random);
      String q = query.next(random);
      return new Req(parts[0], EXECUTIONS + "/" + id + parts[1] + q, headers.next(random), null);
    };
  }

  private static Gen<Req> resultRequests() {
    Gen<String> ids = ids();
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    Gen<List<Map.Entry<String, String>>> downloadHeaders = downloadHeaders();
    return random -> {
      String id = ids.next(random);
      List<Map.Entry<String, String>> all = new ArrayList<>(headers.next(random));
      all.addAll(downloadHeaders.next(random));
      return new Req("GET", EXECUTIONS + "/" + id + "/result", all, null);
    };
  }

  private static Gen<Req> previewRequests() {
    Gen<String> ids = ids();
    Gen<String> query =
        queryString(Map.of("rows", Gen.of("1", "100", "1000", "0", "1001", "-5", "1e3")));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> {
      String id = ids.next(random);
      String q = query.next(random);
      return new Req(
          "GET", EXECUTIONS + "/" + id + "/result/preview" + q, headers.next(random), null);
    };
  }

  private static Gen<Req> rowsRequests() {
    Gen<String> ids = ids();
    Gen<String> query =
        queryString(
            Map.of(
                "offset", Gen.of("0", "1", "99", "-1", "9223372036854775807", "1e3", "0x10"),
                "limit", Gen.of("1", "100", "1000", "0", "1001", "-5", "2147483648")));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> {
      String id = ids.next(random);
      return new Req(
          "GET", EXECUTIONS + "/" + id + "/rows" + query.next(random), headers.next(random), null);
    };
  }

  private static Gen<Req> queueRequests() {
    Gen<String> query = queryString(Map.of("tier", Gen.of("default", "gold")));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random ->
        new Req("GET", "/v1/async/queues" + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> budgetRequests() {
    Gen<String> query = queryString(Map.of("user", Gen.oneOf(Gen.of("alice", "admin"), weird())));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random ->
        new Req("GET", "/v1/usage/budgets" + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> signedLinkRequests() {
    String id = link.substring("/v1/async/links/".length(), link.indexOf('?'));
    String expires = link.replaceAll(".*expires=([^&]*).*", "$1");
    String signature = link.replaceAll(".*signature=([^&]*).*", "$1");
    Gen<String> query =
        queryString(
            Map.of(
                "expires", Gen.of(expires, "0", "4102444800"),
                "signature", Gen.of(signature, signature.toUpperCase(), "")));
    Gen<String> linkId = Gen.frequencyOf(weighted(2, Gen.just(id)), weighted(3, ids()));
    Gen<List<Map.Entry<String, String>>> downloadHeaders = downloadHeaders();
    return random -> {
      String i = linkId.next(random);
      String q = query.next(random);
      return new Req("GET", "/v1/async/links/" + i + q, downloadHeaders.next(random), null);
    };
  }

  private static Gen<Req> searchRequests() {
    Gen<JsonNode> item =
        object(
                field("query_id", Gen.of("fuzz-json", "q1")),
                field("query_hash", Gen.of("abc")),
                field(
                    "statuses",
                    Gen.of(List.of("SUCCEEDED"), List.of("FAILED", "CANCELED"))
                        .map(l -> (JsonNode) JSON.valueToTree(l))),
                field("limit", Gen.of(1, 3, 100)),
                field("sort_by", Gen.of("CREATED_AT", "COMPLETED_AT")))
            .map(node -> (JsonNode) node);
    Gen<JsonNode> items =
        Gen.frequencyOf(
                weighted(4, item.list(0, 4)),
                weighted(1, item.list(101, 120)),
                weighted(2, anyJson(2).list(0, 3)))
            .map(
                list -> {
                  ArrayNode array = NODES.arrayNode();
                  list.forEach(array::add);
                  return (JsonNode) array;
                });
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(5, items.map(BadInputFuzzTest::bytes)),
            weighted(1, anyJson(3).map(BadInputFuzzTest::bytes)),
            weighted(2, brokenJson()));
    Gen<List<Map.Entry<String, String>>> headers = headers("application/json");
    return random -> {
      byte[] b = body.next(random);
      return new Req("POST", "/v1/async/search", headers.next(random), b);
    };
  }

  private static Gen<Req> syncRunTextRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "tier", Gen.of("default", "gold"),
                "format", Gen.of("JSON", "CSV", "TSVWithNamesAndTypes"),
                "stream", Gen.of("true", "false"),
                "param_x", Gen.of("1", "a")));
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(
                3, Gen.of("SELECT 1", "SELECT 'fuzz'", "SELECT {x:UInt8}").map(String::getBytes)),
            weighted(3, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))),
            weighted(1, Gen.just(new byte[0])),
            weighted(1, rawBytes()),
            weighted(1, Gen.just(("SELECT '" + "x".repeat(70_000) + "'").getBytes())));
    Gen<List<Map.Entry<String, String>>> headers = headers("text/plain");
    return random ->
        new Req(
            "POST", "/v1/sync/run" + query.next(random), headers.next(random), body.next(random));
  }

  private static Gen<Req> syncRunJsonRequests() {
    Gen<ObjectNode> valid =
        object(
            field("sql", Gen.of("SELECT 1", "SELECT 'fuzz'", "SELEC 1")),
            field("tier", Gen.of("default", "gold")),
            field("format", Gen.of("JSON", "CSV", "JSONEachRow")),
            stringMapField("parameters"));
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(5, valid.map(BadInputFuzzTest::bytes)),
            weighted(2, anyJson(3).map(BadInputFuzzTest::bytes)),
            weighted(3, brokenJson()));
    Gen<String> query = queryString(Map.of("stream", Gen.of("true", "false")));
    Gen<List<Map.Entry<String, String>>> headers = headers("application/json");
    return random ->
        new Req(
            "POST", "/v1/sync/run" + query.next(random), headers.next(random), body.next(random));
  }

  private static Gen<Req> proxyRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "query", Gen.of("SELECT 1", "SELECT", "SELEC 1", "SELECT 1 FORMAT JSON"),
                "default_format", Gen.of("JSON", "CSV", "Pretty", "Nonsense"),
                "database", Gen.of("default", "system", "nope"),
                "query_id", Gen.of("mine", "x".repeat(200)),
                "session_id", Gen.of("s1", "s2"),
                "max_threads", Gen.of("1", "x"),
                "max_execution_time", Gen.of("0", "10"),
                "readonly", Gen.of("0", "1")),
            Map.of(
                "enable_http_compression", Gen.of("1", "0"),
                "decompress", Gen.of("1", "0"),
                "param_x", Gen.of("1", "a"),
                "agp_tier", Gen.of("default", "gold", "nope")));
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(1, Gen.just((byte[]) null)),
            weighted(2, Gen.of("SELECT 1", " + 1", "SELECT 'fuzz'").map(String::getBytes)),
            weighted(2, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))),
            weighted(1, rawBytes()));
    Gen<String> method = Gen.of("GET", "POST");
    Gen<String> path = Gen.of(PROXY + "/", PROXY);
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> {
      String m = method.next(random);
      String p = path.next(random) + query.next(random);
      byte[] b = body.next(random);
      return new Req(m, p, headers.next(random), m.equals("GET") ? null : b);
    };
  }

  /**
   * Event streams of every kind of id but the PENDING execution's, whose stream stays open as long
   * as it is pending: the ended ones' end at once.
   */
  private static Gen<Req> eventRequests() {
    // No text that a lenient number parser could read as the PENDING execution's id (" 1", "+1").
    Gen<String> ids =
        Gen.frequencyOf(
                weighted(
                    2,
                    Gen.of(succeeded, failed, 0L, -1L, 999999L, Long.MAX_VALUE)
                        .map(String::valueOf)),
                weighted(1, Gen.of("abc", "1.5", "null", "%2F", "..", "1;2", "\u00e9")),
                weighted(1, weird().map(text -> "x" + text)))
            .map(BadInputFuzzTest::pathSegment);
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    Gen<Optional<String>> lastEventId = optional(weird(), Gen.of("3f9c1e0a7b2d4c55", ""));
    // Forged event-stream tokens: of the right shape, signed by no one, or anything at all.
    Gen<String> query =
        queryString(
            Map.of(
                "access_token",
                Gen.oneOf(
                    Gen.of("1.99999999999.0.b3duZXI.c2lnbmF0dXJl", "1.1.1.1.1", "....", ""),
                    weird())));
    return random -> {
      List<Map.Entry<String, String>> h = new ArrayList<>(headers.next(random));
      lastEventId.next(random).ifPresent(value -> h.add(Map.entry("Last-Event-ID", value)));
      return new Req(
          "GET", EXECUTIONS + "/" + ids.next(random) + "/events" + query.next(random), h, null);
    };
  }

  private static Gen<Req> pingRequests() {
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    Gen<String> query = queryString(Map.of("query", Gen.of("SELECT 1")));
    return random ->
        new Req("GET", PROXY + "/ping" + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> scheduleBodyRequests(String method, Gen<String> paths) {
    Gen<ObjectNode> valid =
        object(
            field(
                "sql",
                Gen.of("SELECT 1", "SELECT 'fuzz'", "SELECT * FROM url('x', CSV, 'a UInt8')")),
            field("name", Gen.of("daily", "x".repeat(300))),
            field("query_id", Gen.of("fuzz-schedule", "")),
            field("tier", Gen.of("default", "gold", "nope")),
            field("format", Gen.of("JSON", "CSV", "Nope")),
            field("every_seconds", Gen.of(60L, 3600L, 0L, -1L, Long.MAX_VALUE)),
            field("cron", Gen.of("0 */5 * * * *", "* * * * * *", "0 0 0 30 2 *", "nope", "")),
            field("paused", Gen.of(true, false)),
            stringMapField("parameters"),
            stringMapField("labels"));
    Gen<byte[]> body = jsonBodies(valid);
    Gen<List<Map.Entry<String, String>>> headers = headers("application/json");
    return random -> new Req(method, paths.next(random), headers.next(random), body.next(random));
  }

  private static Gen<Req> scheduleReplaceRequests() {
    return scheduleBodyRequests("PUT", scheduleIds().map(id -> SCHEDULES + "/" + id));
  }

  private static Gen<Req> scheduleListRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "limit", Gen.of("1", "50", "500", "0", "501"),
                "cursor", Gen.of("1", String.valueOf(Long.MAX_VALUE), "abc", "-3")));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> new Req("GET", SCHEDULES + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> usageRequests() {
    Gen<String> query =
        queryString(
            Map.of(
                "from",
                Gen.of("2026-12-01", "2025-01-01", "2026-13-01", "yesterday", "-1"),
                "to",
                Gen.of("2026-12-07", "2027-12-31", "2026-02-30", "0"),
                "tier",
                Gen.of("default", "gold", "nope", ""),
                "user",
                Gen.of("alice", "root", "", "x".repeat(300)),
                "granularity",
                Gen.of("day", "hour", "HOUR", "week"),
                "group_by",
                Gen.of("day", "user", "tier", "owner"),
                "top",
                Gen.of("1", "1000", "0", "1001", "-5", "1e3", String.valueOf(Long.MAX_VALUE)),
                "order_by",
                Gen.of("read_bytes", "server_seconds", "queue_seconds", "READ_ROWS", "rows", ""),
                "format",
                Gen.of("csv", "json", "xml")));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> new Req("GET", "/v1/usage" + query.next(random), headers.next(random), null);
  }

  private static Gen<Req> scheduleByIdRequests(String method, String suffix) {
    Gen<String> ids = scheduleIds();
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random ->
        new Req(method, SCHEDULES + "/" + ids.next(random) + suffix, headers.next(random), null);
  }

  /** The fixture's schedule's id among the generated ones. */
  private static Gen<String> scheduleIds() {
    return Gen.frequencyOf(weighted(2, Gen.just(String.valueOf(schedule))), weighted(3, ids()));
  }

  private static Gen<Req> otherMethodsRequests() {
    Gen<String> path =
        Gen.combine(
            Gen.of(
                EXECUTIONS,
                EXECUTIONS + "/ID",
                EXECUTIONS + "/ID/cancel",
                EXECUTIONS + "/ID/result",
                EXECUTIONS + "/ID/result-link",
                EXECUTIONS + "/ID/result/preview",
                EXECUTIONS + "/ID/rows",
                "/v1/async/queues",
                "/",
                "/ui/",
                "/ui/ID",
                "/ui/config.json",
                "/v1/async/links/ID",
                "/v1/async/search",
                "/v1/async/ID",
                "/v1/ID",
                "/v1/async/executions/ID/ID",
                "/v1/sync/run",
                "/v1/sync/ID",
                "/v1/chproxy/",
                "/v1/chproxy/ping",
                SCHEDULES,
                SCHEDULES + "/ID",
                SCHEDULES + "/ID/pause",
                SCHEDULES + "/ID/ID"),
            ids(),
            (p, id) -> p.replace("ID", id));
    Gen<String> method = Gen.of("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "GET", "POST", "FOO");
    Gen<byte[]> body =
        Gen.frequencyOf(
            weighted(1, Gen.just((byte[]) null)),
            weighted(1, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))));
    Gen<List<Map.Entry<String, String>>> headers = headers(null);
    return random -> {
      String m = method.next(random);
      String p = path.next(random);
      byte[] b = body.next(random);
      return new Req(m, p, headers.next(random), m.equals("GET") || m.equals("TRACE") ? null : b);
    };
  }

  // ---- generators: parts ---------------------------------------------------------------

  /**
   * A query string over these parameters: each absent, valid, or weird; sometimes repeated, and
   * sometimes an unknown one.
   */
  private static Gen<String> queryString(Map<String, Gen<String>> valid) {
    return queryString(valid, Map.of());
  }

  private static Gen<String> queryString(
      Map<String, Gen<String>> valid, Map<String, Gen<String>> special) {
    List<Gen<List<String>>> parts = new ArrayList<>();
    // In name order: Map.of iterates differently in every JVM, and a seed must replay.
    new TreeMap<>(valid).forEach((name, values) -> parts.add(param(name, values)));
    new TreeMap<>(special).forEach((name, values) -> parts.add(param(name, values)));
    parts.add(
        Gen.frequencyOf(
            weighted(4, Gen.just(List.<String>of())),
            weighted(1, Gen.combine(weird(), weird(), (n, v) -> List.of(pair(n, v))))));
    return Gen.all(parts)
        .map(
            lists -> {
              String joined = lists.stream().flatMap(List::stream).collect(Collectors.joining("&"));
              return joined.isEmpty() ? "" : "?" + joined;
            });
  }

  private static Gen<List<String>> param(String name, Gen<String> valid) {
    return Gen.frequencyOf(
        weighted(3, Gen.just(List.<String>of())),
        weighted(2, valid.map(v -> List.of(pair(name, v)))),
        weighted(3, weird().map(v -> List.of(pair(name, v)))),
        weighted(1, Gen.combine(valid, weird(), (a, b) -> List.of(pair(name, a), pair(name, b)))));
  }

  private static String pair(String name, String value) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A path segment for an execution id: existing ones, unknown ones, and not ids at all. */
  private static Gen<String> ids() {
    return Gen.frequencyOf(
            weighted(
                3,
                Gen.of(pending, succeeded, failed, 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 999999L)
                    .map(String::valueOf)),
            weighted(
                3,
                Gen.of(
                    "abc",
                    "1.5",
                    "1e3",
                    "0x10",
                    "+1",
                    "١",
                    "9223372036854775808",
                    "99999999999999999999999999",
                    "%20",
                    "null",
                    "true",
                    "%2F",
                    "..",
                    "1;2",
                    "1,2",
                    " 1",
                    "\u00e9",
                    "\ud83d\ude00",
                    "1%00")),
            weighted(2, weird()))
        .map(BadInputFuzzTest::pathSegment);
  }

  private static String pathSegment(String value) {
    // Keep a validly encoded value as it is; encode the rest the way a client would.
    return isEncoded(value) ? value : URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static boolean isEncoded(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        if (i + 2 >= value.length()
            || Character.digit(value.charAt(i + 1), 16) < 0
            || Character.digit(value.charAt(i + 2), 16) < 0) {
          return false;
        }
        i += 2;
      } else if (!(Character.isLetterOrDigit(c) && c < 128) && ".+-".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  private static Gen<String> cursors() {
    return Gen.frequencyOf(
        weighted(3, weird()),
        weighted(
            2,
            Gen.of(
                    "v1:",
                    "v1:abc",
                    "v1:-1:-1",
                    "v1:9999999999999999999:1",
                    "{}",
                    "v2:1:1",
                    "v1:2025-01-01T00:00:00Z:1",
                    "v1:1:abc")
                .map(s -> Base64.getUrlEncoder().encodeToString(s.getBytes()))),
        weighted(1, weird().map(s -> Base64.getEncoder().encodeToString(s.getBytes()))));
  }

  /** The headers of a request: content type, caller, authorization, accept, each often odd. */
  private static Gen<List<Map.Entry<String, String>>> headers(String contentType) {
    Gen<Optional<String>> type =
        Gen.frequencyOf(
            weighted(5, Gen.just(Optional.ofNullable(contentType))),
            weighted(
                3,
                Gen.of(
                        "application/json",
                        "text/plain",
                        "text/plain; charset=utf-16",
                        "application/json; charset=iso-8859-1",
                        "application/xml",
                        "multipart/form-data; boundary=x",
                        "application/x-www-form-urlencoded",
                        "*/*",
                        "garbage",
                        "text/",
                        "application/problem+json",
                        "text/csv",
                        "application/json; charset=nonsense",
                        ";",
                        "text/plain;;;")
                    .map(Optional::of)),
            weighted(1, weird().map(Optional::of)),
            weighted(1, Gen.just(Optional.empty())));
    Gen<Optional<String>> user = optional(weird(), Gen.of("tester", "fuzzer"));
    Gen<Optional<String>> broken =
        optional(
            Gen.oneOf(
                weird(),
                Gen.of(
                    "Bearer ",
                    "Bearer x.y.z",
                    "Basic dXNlcjpwYXNz",
                    "Bearer eyJhbGciOiJub25lIn0.e30.",
                    "Negotiate abc")),
            Gen.just("Bearer whatever"));
    // With auth on, most requests carry a good token (of the fixtures' owner, another user or an
    // admin), so that the bad input behind it reaches the handlers.
    Gen<Optional<String>> authorization =
        bearers.isEmpty()
            ? broken
            : Gen.frequencyOf(
                weighted(4, Gen.of(bearers.toArray(String[]::new)).map(Optional::of)),
                weighted(1, broken));
    Gen<Optional<String>> accept =
        optional(
            Gen.oneOf(
                weird(),
                Gen.of(
                    "application/xml",
                    "text/html",
                    "application/problem+json",
                    "*/*;q=abc",
                    "text/csv",
                    "image/png")),
            Gen.just("application/json"));
    // Validators a poller sends back: broken, foreign, or any (a 304 is no error).
    Gen<Optional<String>> ifNoneMatch =
        optional(
            Gen.oneOf(
                weird(),
                Gen.of("*", "W/", "\"", "W/\"\"", ",,,", "W/\"x\", *", "\"0123456789abcdef\"")),
            Gen.just("W/\"0000000000000000\""));
    return random -> {
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      type.next(random).ifPresent(v -> headers.add(Map.entry("Content-Type", v)));
      ifNoneMatch.next(random).ifPresent(v -> headers.add(Map.entry("If-None-Match", v)));
      user.next(random).ifPresent(v -> headers.add(Map.entry("X-AGP-User", v)));
      authorization.next(random).ifPresent(v -> headers.add(Map.entry("Authorization", v)));
      accept.next(random).ifPresent(v -> headers.add(Map.entry("Accept", v)));
      return headers;
    };
  }

  private static Gen<List<Map.Entry<String, String>>> downloadHeaders() {
    Gen<Optional<String>> range =
        optional(
            Gen.oneOf(
                weird(),
                Gen.of(
                    "bytes=abc",
                    "bytes=-0",
                    "bytes=5-2",
                    "bytes=0-0,1-1",
                    "bytes=-",
                    "bytes=99999999999999999999-",
                    "items=0-1",
                    "bytes=-9223372036854775808",
                    "bytes=9223372036854775807-",
                    "bytes= 1-2",
                    "bytes=0-",
                    "bytes=100-",
                    "bytes=-1",
                    "bytes=1-1",
                    "bytes=0-99999999999999999999")),
            Gen.of("bytes=0-3", "bytes=2-"));
    Gen<Optional<String>> encoding =
        optional(
            Gen.oneOf(
                weird(),
                Gen.of(
                    "gzip;q=abc",
                    "*;q=0",
                    "identity;q=0",
                    "zstd",
                    "br",
                    ",,,",
                    "gzip;q=2",
                    "*",
                    "identity;q=0, *;q=0",
                    "gzip;q=-1")),
            Gen.of("gzip", "identity"));
    return random -> {
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      range.next(random).ifPresent(v -> headers.add(Map.entry("Range", v)));
      encoding.next(random).ifPresent(v -> headers.add(Map.entry("Accept-Encoding", v)));
      return headers;
    };
  }

  private static Gen<Optional<String>> optional(Gen<String> odd, Gen<String> valid) {
    return Gen.frequencyOf(
        weighted(3, Gen.just(Optional.empty())),
        weighted(1, valid.map(Optional::of)),
        weighted(3, odd.map(Optional::of)));
  }

  /** A JSON object with these fields, each present or not. */
  @SafeVarargs
  private static Gen<ObjectNode> object(Gen<Optional<Map.Entry<String, JsonNode>>>... fields) {
    return random -> {
      ObjectNode node = NODES.objectNode();
      for (Gen<Optional<Map.Entry<String, JsonNode>>> field : fields) {
        field.next(random).ifPresent(kv -> node.set(kv.getKey(), kv.getValue()));
      }
      return node;
    };
  }

  /** A JSON field: absent, valid, or any other JSON value. */
  private static <T> Gen<Optional<Map.Entry<String, JsonNode>>> field(String name, Gen<T> valid) {
    return Gen.frequencyOf(
        weighted(2, Gen.just(Optional.<Map.Entry<String, JsonNode>>empty())),
        weighted(4, valid.map(v -> Optional.of(Map.entry(name, (JsonNode) JSON.valueToTree(v))))),
        weighted(3, anyJson(2).map(v -> Optional.of(Map.entry(name, v)))));
  }

  private static Gen<Optional<Map.Entry<String, JsonNode>>> stringMapField(String name) {
    Gen<JsonNode> map = Gen.maps(weird(), weird(), 3).map(m -> (JsonNode) JSON.valueToTree(m));
    return field(name, map);
  }

  /** Any JSON value, nested up to {@code depth}. */
  private static Gen<JsonNode> anyJson(int depth) {
    Gen<JsonNode> scalar =
        Gen.oneOf(
            Gen.just((JsonNode) NODES.nullNode()),
            Gen.of(true, false).map(NODES::booleanNode),
            Gen.longs().map(NODES::numberNode),
            Gen.of(
                    new BigInteger("99999999999999999999999999999"),
                    new BigInteger("-9223372036854775809"))
                .map(NODES::numberNode),
            Gen.of(-1.5, 1e308, -0.0, 2592000.5, 4.9e-324).map(NODES::numberNode),
            weird().map(NODES::stringNode));
    if (depth == 0) {
      return scalar;
    }
    return Gen.frequencyOf(
        weighted(4, scalar),
        weighted(
            1,
            anyJson(depth - 1)
                .list(0, 3)
                .map(
                    l -> {
                      ArrayNode a = NODES.arrayNode();
                      l.forEach(a::add);
                      return (JsonNode) a;
                    })),
        weighted(
            1,
            Gen.maps(weird(), anyJson(depth - 1), 3)
                .map(
                    m -> {
                      ObjectNode o = NODES.objectNode();
                      m.forEach(o::set);
                      return (JsonNode) o;
                    })));
  }

  /** Bodies that are not JSON, or JSON no parser should take without limits. */
  private static Gen<byte[]> brokenJson() {
    return Gen.oneOf(
        Gen.of(
                "",
                "{",
                "}",
                "[",
                "{\"sql\":}",
                "{\"sql\": \"SELECT 1\"",
                "{'sql': 'SELECT 1'}",
                "{\"sql\": \"SELECT 1\",}",
                "null",
                "\"SELECT 1\"",
                "42",
                "true",
                "[]",
                "{\"sql\": \"SELECT 1\"} trailing",
                "{\"sql\": \"\\u12\"}",
                "{\"sql\": \"\\ud800\"}",
                "\ufeff{\"sql\": \"SELECT 1\"}",
                "{\"sql\": NaN}",
                "{\"max_age\": 1e999}",
                "{\"sql\": \"SELECT 1\", \"sql\": \"SELECT 2\"}",
                "{\"sql\": \"SELECT 1\", \"max_age\": 9223372036854775808}",
                "{\"sql\": \"SELECT 1\", \"max_age\": 00012}",
                "{\"sql\": \"SELECT 1\", \"labels\": {\"a\": {\"b\": 1}}}",
                "[".repeat(5000) + "]".repeat(5000),
                "{\"a\":".repeat(3000) + "1" + "}".repeat(3000),
                "{\"sql\": \"" + "x".repeat(200_000) + "\"}",
                "{\"sql\": \"SELECT 1\", \"" + "k".repeat(100_000) + "\": 1}",
                "{\"sql\": 1" + "0".repeat(5000) + "}")
            .map(s -> s.getBytes(StandardCharsets.UTF_8)),
        rawBytes(),
        weird().map(s -> s.getBytes(StandardCharsets.UTF_8)));
  }

  private static Gen<byte[]> rawBytes() {
    return Gen.bytes(64);
  }

  /** Strings that trip parsers: numbers at the edges, odd unicode, injections, huge ones. */
  private static Gen<String> weird() {
    return Gen.frequencyOf(
        weighted(
            4,
            Gen.of(
                "",
                " ",
                "-1",
                "0",
                "1",
                "61",
                "-0",
                "+5",
                "1.0",
                "1e3",
                "0x10",
                "#10",
                "NaN",
                "Infinity",
                "null",
                "true",
                "abc",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775809",
                "99999999999999999999999999999",
                "2592001",
                "2025-13-45T25:61:61Z",
                "1970-01-01T00:00:00Z",
                "+999999999-12-31T23:59:59Z",
                "' OR 1=1 --",
                "\"; DROP TABLE executions; --",
                "${jndi:ldap://x/a}",
                "../../etc/passwd",
                "%00",
                "%",
                "\u0000",
                "\u202e\u0041",
                "\ufeff",
                "\uffff",
                "\ud83d\ude00",
                "\ud800",
                "e\u0301",
                "\u0130",
                "\t\n\r",
                "PENDING,,",
                ",",
                "=",
                "a=b=c",
                "k=",
                "=v",
                "FAILED,RUNNING,SUCCEEDED,CANCELED,EXPIRED,PENDING",
                "pending",
                "JSONCompactEachRow",
                "Parquet",
                "json")),
        weighted(2, Gen.strings(Gen.validChars(), 0, 40)),
        weighted(1, Gen.strings(Gen.allChars(), 0, 20)),
        weighted(
            1,
            Gen.of(300, 5_000, 20_000)
                .flatMap(n -> Gen.of("x", "\u00e9", "\ud83d\ude00", "9").map(c -> c.repeat(n)))),
        weighted(1, Gen.longs().map(String::valueOf)),
        // Long and incompressible: larger than a PostgreSQL index entry may be.
        weighted(1, Gen.strings(Gen.chars('!', '~'), 3000, 6000)));
  }

  private static byte[] bytes(JsonNode node) {
    return JSON.writeValueAsBytes(node);
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
  }

  /**
   * Bodies for an operation that takes a JSON object: mostly valid ones, some with a field the
   * contract does not name, any JSON, and broken JSON.
   */
  private static Gen<byte[]> jsonBodies(Gen<ObjectNode> valid) {
    Gen<String> names = weird();
    Gen<JsonNode> values = anyJson(2);
    Gen<ObjectNode> withExtra =
        random -> {
          ObjectNode node = valid.next(random);
          String name = names.next(random);
          node.set(name.isEmpty() ? "extra" : name, values.next(random));
          return node;
        };
    return Gen.frequencyOf(
        weighted(5, valid.map(BadInputFuzzTest::bytes)),
        weighted(2, withExtra.map(BadInputFuzzTest::bytes)),
        weighted(2, anyJson(3).map(BadInputFuzzTest::bytes)),
        weighted(3, brokenJson()));
  }
}
