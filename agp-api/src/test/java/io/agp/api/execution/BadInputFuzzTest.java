package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.execution.ContractClient.Reply;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.lifecycle.BeforeContainer;
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
 * <p>Tries per property: {@code jqwik.tries.default} in {@code junit-platform.properties}, or
 * {@code -Djqwik.tries.default=N} on the command line.
 */
@Tag("fuzz")
class BadInputFuzzTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String EXECUTIONS = "/v1/async/executions";

  private static TestApi api;
  private static long pending;
  private static long succeeded;
  private static long failed;
  private static String link;

  @BeforeContainer
  static void start() throws Exception {
    // A wait of at most a second: a generated valid wait must not hold a try for a minute.
    api = TestApi.start("--agp.api.max-wait=1s");
    ContractClient client = api.client;
    pending = client.postSql(EXECUTIONS, "SELECT 'fuzz pending'").json().get("id").asLong();
    long done = client.postSql(EXECUTIONS, "SELECT 'fuzz done'").json().get("id").asLong();
    succeeded = api.succeed(done, "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), null).id();
    failed = client.postSql(EXECUTIONS, "SELECT 'fuzz failed'").json().get("id").asLong();
    api.repository().fail(api.start(failed), "failed on purpose");
    String url =
        client.post(EXECUTIONS + "/" + succeeded + "/result-link").json().get("url").asString();
    link = url.substring(url.indexOf("/v1/async/links/"));
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

  // ---- properties, one per operation ------------------------------------------------------

  @Property
  void createFromText(@ForAll("createText") Req request) {
    check(request);
  }

  @Property
  void createFromJson(@ForAll("createJson") Req request) {
    check(request);
  }

  @Property
  void list(@ForAll("list") Req request) {
    check(request);
  }

  @Property
  void getCancelAndLink(@ForAll("byId") Req request) {
    check(request);
  }

  @Property
  void downloadResult(@ForAll("result") Req request) {
    check(request);
  }

  @Property
  void signedLink(@ForAll("signedLink") Req request) {
    check(request);
  }

  @Property
  void search(@ForAll("search") Req request) {
    check(request);
  }

  @Property
  void otherMethodsAndPaths(@ForAll("otherMethods") Req request) {
    check(request);
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

  private static int head(Req request) {
    return request.path().length()
        + request.headers().stream()
            .mapToInt(
                h -> h.getKey().length() + h.getValue().getBytes(StandardCharsets.UTF_8).length + 4)
            .sum();
  }

  /** Every row, every column: any change by a rejected request shows. */
  private static List<String> snapshot() {
    return api.jdbc()
        .sql("select e::text from executions e order by id")
        .query(String.class)
        .list();
  }

  private static Reply send(Req request) {
    try {
      return api.client.sendUnchecked(request.path(), builder(request, false));
    } catch (IllegalArgumentException e) {
      // A header value the JDK client refuses to send: send its printable ASCII instead.
      return api.client.sendUnchecked(request.path(), builder(request, true));
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

  @Provide
  Arbitrary<Req> createText() {
    Arbitrary<String> query =
        queryString(
            Map.of(
                "query-id", Arbitraries.of("q1", "fuzz-query"),
                "tier", Arbitraries.of("default", "gold"),
                "format", Arbitraries.of("JSON", "CSV", "TSVWithNamesAndTypes"),
                "max_age", Arbitraries.of("0", "600"),
                "replace", Arbitraries.of("true", "false"),
                "wait", Arbitraries.just("0")));
    Arbitrary<byte[]> body =
        Arbitraries.frequencyOf(
            weighted(3, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))),
            weighted(1, Arbitraries.just(new byte[0])),
            weighted(1, rawBytes()),
            weighted(1, Arbitraries.just(("SELECT '" + "x".repeat(70_000) + "'").getBytes())));
    return Combinators.combine(query, body, headers("text/plain"))
        .as((q, b, h) -> new Req("POST", EXECUTIONS + q, h, b));
  }

  @Provide
  Arbitrary<Req> createJson() {
    Arbitrary<ObjectNode> valid =
        Combinators.combine(
                field("sql", Arbitraries.of("SELECT 1", "SELECT 'fuzz'")),
                field("query_id", Arbitraries.of("fuzz-json", "x")),
                field("tier", Arbitraries.of("default", "gold")),
                field("format", Arbitraries.of("JSON", "CSV", "JSONEachRow")),
                field("max_age", Arbitraries.of(0, 60, 2592000)),
                field("replace", Arbitraries.of(true, false)),
                stringMapField("parameters"),
                stringMapField("labels"))
            .as(
                (a, b, c, d, e, f, g, h) -> {
                  ObjectNode node = NODES.objectNode();
                  List.of(a, b, c, d, e, f, g, h)
                      .forEach(x -> x.ifPresent(kv -> node.set(kv.getKey(), kv.getValue())));
                  return node;
                });
    Arbitrary<ObjectNode> withExtra =
        Combinators.combine(valid, weird(), anyJson(2))
            .as(
                (node, name, value) -> {
                  node.set(name.isEmpty() ? "extra" : name, value);
                  return node;
                });
    Arbitrary<byte[]> body =
        Arbitraries.frequencyOf(
            weighted(5, valid.map(BadInputFuzzTest::bytes)),
            weighted(2, withExtra.map(BadInputFuzzTest::bytes)),
            weighted(2, anyJson(3).map(BadInputFuzzTest::bytes)),
            weighted(3, brokenJson()));
    Arbitrary<String> query =
        queryString(Map.of("query-id", Arbitraries.of("fuzz-q"), "wait", Arbitraries.just("0")));
    return Combinators.combine(query, body, headers("application/json"))
        .as((q, b, h) -> new Req("POST", EXECUTIONS + q, h, b));
  }

  @Provide
  Arbitrary<Req> list() {
    Arbitrary<String> query =
        queryString(
            Map.of(
                "query_id", Arbitraries.of("fuzz-json", "q1"),
                "status", Arbitraries.of("PENDING", "SUCCEEDED", "FAILED,CANCELED"),
                "tier", Arbitraries.of("default", "gold"),
                "created_by", Arbitraries.of("tester", "fuzzer"),
                "created_after",
                    Arbitraries.of("2025-01-01T00:00:00Z", "2025-01-01T00:00:00+02:00"),
                "created_before", Arbitraries.of("2100-01-01T00:00:00Z"),
                "label", Arbitraries.of("team=ads", "k=v"),
                "limit", Arbitraries.of("1", "50", "1000")),
            Map.of("cursor", cursors()));
    return Combinators.combine(query, headers(null))
        .as((q, h) -> new Req("GET", EXECUTIONS + q, h, null));
  }

  @Provide
  Arbitrary<Req> byId() {
    Arbitrary<String> operation = Arbitraries.of("GET:", "POST:/cancel", "POST:/result-link");
    Arbitrary<String> query = queryString(Map.of("wait", Arbitraries.just("0")));
    return Combinators.combine(operation, ids(), query, headers(null))
        .as(
            (op, id, q, h) -> {
              String[] parts = op.split(":", 2);
              return new Req(parts[0], EXECUTIONS + "/" + id + parts[1] + q, h, null);
            });
  }

  @Provide
  Arbitrary<Req> result() {
    return Combinators.combine(ids(), headers(null), downloadHeaders())
        .as(
            (id, h, d) -> {
              List<Map.Entry<String, String>> all = new ArrayList<>(h);
              all.addAll(d);
              return new Req("GET", EXECUTIONS + "/" + id + "/result", all, null);
            });
  }

  @Provide
  Arbitrary<Req> signedLink() {
    String id = link.substring("/v1/async/links/".length(), link.indexOf('?'));
    String expires = link.replaceAll(".*expires=([^&]*).*", "$1");
    String signature = link.replaceAll(".*signature=([^&]*).*", "$1");
    Arbitrary<String> query =
        queryString(
            Map.of(
                "expires", Arbitraries.of(expires, "0", "4102444800"),
                "signature", Arbitraries.of(signature, signature.toUpperCase(), "")));
    Arbitrary<String> linkId =
        Arbitraries.frequencyOf(weighted(2, Arbitraries.just(id)), weighted(3, ids()));
    return Combinators.combine(linkId, query, downloadHeaders())
        .as((i, q, d) -> new Req("GET", "/v1/async/links/" + i + q, d, null));
  }

  @Provide
  Arbitrary<Req> search() {
    Arbitrary<JsonNode> item =
        Combinators.combine(
                field("query_id", Arbitraries.of("fuzz-json", "q1")),
                field("query_hash", Arbitraries.of("abc")),
                field(
                    "statuses",
                    Arbitraries.of(List.of("SUCCEEDED"), List.of("FAILED", "CANCELED"))
                        .map(l -> JSON.valueToTree(l))),
                field("limit", Arbitraries.of(1, 3, 100)),
                field("sort_by", Arbitraries.of("CREATED_AT", "COMPLETED_AT")))
            .as(
                (a, b, c, d, e) -> {
                  ObjectNode node = NODES.objectNode();
                  List.of(a, b, c, d, e)
                      .forEach(x -> x.ifPresent(kv -> node.set(kv.getKey(), kv.getValue())));
                  return (JsonNode) node;
                });
    Arbitrary<JsonNode> items =
        Arbitraries.frequencyOf(
                weighted(4, item.list().ofMaxSize(4)),
                weighted(1, item.list().ofMinSize(101).ofMaxSize(120)),
                weighted(2, anyJson(2).list().ofMaxSize(3)))
            .map(
                list -> {
                  ArrayNode array = NODES.arrayNode();
                  list.forEach(array::add);
                  return (JsonNode) array;
                });
    Arbitrary<byte[]> body =
        Arbitraries.frequencyOf(
            weighted(5, items.map(BadInputFuzzTest::bytes)),
            weighted(1, anyJson(3).map(BadInputFuzzTest::bytes)),
            weighted(2, brokenJson()));
    return Combinators.combine(body, headers("application/json"))
        .as((b, h) -> new Req("POST", "/v1/async/search", h, b));
  }

  @Provide
  Arbitrary<Req> otherMethods() {
    Arbitrary<String> path =
        Combinators.combine(
                Arbitraries.of(
                    EXECUTIONS,
                    EXECUTIONS + "/ID",
                    EXECUTIONS + "/ID/cancel",
                    EXECUTIONS + "/ID/result",
                    EXECUTIONS + "/ID/result-link",
                    "/v1/async/links/ID",
                    "/v1/async/search",
                    "/v1/async/ID",
                    "/v1/ID",
                    "/v1/async/executions/ID/ID"),
                ids())
            .as((p, id) -> p.replace("ID", id));
    Arbitrary<String> method =
        Arbitraries.of("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "GET", "POST", "FOO");
    Arbitrary<byte[]> body =
        Arbitraries.frequencyOf(
            weighted(1, Arbitraries.just((byte[]) null)),
            weighted(1, weird().map(s -> s.getBytes(StandardCharsets.UTF_8))));
    return Combinators.combine(method, path, body, headers(null))
        .as((m, p, b, h) -> new Req(m, p, h, m.equals("GET") || m.equals("TRACE") ? null : b));
  }

  // ---- generators: parts ---------------------------------------------------------------

  /**
   * A query string over these parameters: each absent, valid, or weird; sometimes repeated, and
   * sometimes an unknown one.
   */
  private static Arbitrary<String> queryString(Map<String, Arbitrary<String>> valid) {
    return queryString(valid, Map.of());
  }

  private static Arbitrary<String> queryString(
      Map<String, Arbitrary<String>> valid, Map<String, Arbitrary<String>> special) {
    List<Arbitrary<List<String>>> parts = new ArrayList<>();
    valid.forEach((name, values) -> parts.add(param(name, values)));
    special.forEach((name, values) -> parts.add(param(name, values)));
    parts.add(
        Arbitraries.frequencyOf(
            weighted(4, Arbitraries.just(List.<String>of())),
            weighted(1, Combinators.combine(weird(), weird()).as((n, v) -> List.of(pair(n, v))))));
    return Combinators.combine(parts)
        .as(
            lists -> {
              String joined = lists.stream().flatMap(List::stream).collect(Collectors.joining("&"));
              return joined.isEmpty() ? "" : "?" + joined;
            });
  }

  private static Arbitrary<List<String>> param(String name, Arbitrary<String> valid) {
    return Arbitraries.frequencyOf(
        weighted(3, Arbitraries.just(List.<String>of())),
        weighted(2, valid.map(v -> List.of(pair(name, v)))),
        weighted(3, weird().map(v -> List.of(pair(name, v)))),
        weighted(
            1,
            Combinators.combine(valid, weird())
                .as((a, b) -> List.of(pair(name, a), pair(name, b)))));
  }

  private static String pair(String name, String value) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A path segment for an execution id: existing ones, unknown ones, and not ids at all. */
  private static Arbitrary<String> ids() {
    return Arbitraries.frequencyOf(
            weighted(
                3,
                Arbitraries.of(
                        pending,
                        succeeded,
                        failed,
                        0L,
                        -1L,
                        Long.MAX_VALUE,
                        Long.MIN_VALUE,
                        999999L)
                    .map(String::valueOf)),
            weighted(
                3,
                Arbitraries.of(
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

  private static Arbitrary<String> cursors() {
    return Arbitraries.frequencyOf(
        weighted(3, weird()),
        weighted(
            2,
            Arbitraries.of(
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
  private static Arbitrary<List<Map.Entry<String, String>>> headers(String contentType) {
    Arbitrary<Optional<String>> type =
        Arbitraries.frequencyOf(
            weighted(5, Arbitraries.just(Optional.ofNullable(contentType))),
            weighted(
                3,
                Arbitraries.of(
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
            weighted(1, Arbitraries.just(Optional.empty())));
    Arbitrary<Optional<String>> user = optional(weird(), Arbitraries.of("tester", "fuzzer"));
    Arbitrary<Optional<String>> authorization =
        optional(
            Arbitraries.oneOf(
                weird(),
                Arbitraries.of(
                    "Bearer ",
                    "Bearer x.y.z",
                    "Basic dXNlcjpwYXNz",
                    "Bearer eyJhbGciOiJub25lIn0.e30.",
                    "Negotiate abc")),
            Arbitraries.just("Bearer whatever"));
    Arbitrary<Optional<String>> accept =
        optional(
            Arbitraries.oneOf(
                weird(),
                Arbitraries.of(
                    "application/xml",
                    "text/html",
                    "application/problem+json",
                    "*/*;q=abc",
                    "text/csv",
                    "image/png")),
            Arbitraries.just("application/json"));
    return Combinators.combine(type, user, authorization, accept)
        .as(
            (t, u, a, c) -> {
              List<Map.Entry<String, String>> headers = new ArrayList<>();
              t.ifPresent(v -> headers.add(Map.entry("Content-Type", v)));
              u.ifPresent(v -> headers.add(Map.entry("X-AGP-User", v)));
              a.ifPresent(v -> headers.add(Map.entry("Authorization", v)));
              c.ifPresent(v -> headers.add(Map.entry("Accept", v)));
              return headers;
            });
  }

  private static Arbitrary<List<Map.Entry<String, String>>> downloadHeaders() {
    Arbitrary<Optional<String>> range =
        optional(
            Arbitraries.oneOf(
                weird(),
                Arbitraries.of(
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
            Arbitraries.of("bytes=0-3", "bytes=2-"));
    Arbitrary<Optional<String>> encoding =
        optional(
            Arbitraries.oneOf(
                weird(),
                Arbitraries.of(
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
            Arbitraries.of("gzip", "identity"));
    return Combinators.combine(range, encoding)
        .as(
            (r, e) -> {
              List<Map.Entry<String, String>> headers = new ArrayList<>();
              r.ifPresent(v -> headers.add(Map.entry("Range", v)));
              e.ifPresent(v -> headers.add(Map.entry("Accept-Encoding", v)));
              return headers;
            });
  }

  private static Arbitrary<Optional<String>> optional(
      Arbitrary<String> odd, Arbitrary<String> valid) {
    return Arbitraries.frequencyOf(
        weighted(3, Arbitraries.just(Optional.empty())),
        weighted(1, valid.map(Optional::of)),
        weighted(3, odd.map(Optional::of)));
  }

  /** A JSON field: absent, valid, or any other JSON value. */
  private static <T> Arbitrary<Optional<Map.Entry<String, JsonNode>>> field(
      String name, Arbitrary<T> valid) {
    return Arbitraries.frequencyOf(
        weighted(2, Arbitraries.just(Optional.<Map.Entry<String, JsonNode>>empty())),
        weighted(4, valid.map(v -> Optional.of(Map.entry(name, (JsonNode) JSON.valueToTree(v))))),
        weighted(3, anyJson(2).map(v -> Optional.of(Map.entry(name, v)))));
  }

  private static Arbitrary<Optional<Map.Entry<String, JsonNode>>> stringMapField(String name) {
    Arbitrary<JsonNode> map =
        Arbitraries.maps(weird(), weird()).ofMaxSize(3).map(m -> (JsonNode) JSON.valueToTree(m));
    return field(name, map);
  }

  /** Any JSON value, nested up to {@code depth}. */
  private static Arbitrary<JsonNode> anyJson(int depth) {
    Arbitrary<JsonNode> scalar =
        Arbitraries.oneOf(
            Arbitraries.just((JsonNode) NODES.nullNode()),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.longs().map(NODES::numberNode),
            Arbitraries.of(
                    new BigInteger("99999999999999999999999999999"),
                    new BigInteger("-9223372036854775809"))
                .map(NODES::numberNode),
            Arbitraries.of(-1.5, 1e308, -0.0, 2592000.5, 4.9e-324).map(NODES::numberNode),
            weird().map(NODES::stringNode));
    if (depth == 0) {
      return scalar;
    }
    return Arbitraries.frequencyOf(
        weighted(4, scalar),
        weighted(
            1,
            anyJson(depth - 1)
                .list()
                .ofMaxSize(3)
                .map(
                    l -> {
                      ArrayNode a = NODES.arrayNode();
                      l.forEach(a::add);
                      return (JsonNode) a;
                    })),
        weighted(
            1,
            Arbitraries.maps(weird(), anyJson(depth - 1))
                .ofMaxSize(3)
                .map(
                    m -> {
                      ObjectNode o = NODES.objectNode();
                      m.forEach(o::set);
                      return (JsonNode) o;
                    })));
  }

  /** Bodies that are not JSON, or JSON no parser should take without limits. */
  private static Arbitrary<byte[]> brokenJson() {
    return Arbitraries.oneOf(
        Arbitraries.of(
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

  private static Arbitrary<byte[]> rawBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
  }

  /** Strings that trip parsers: numbers at the edges, odd unicode, injections, huge ones. */
  private static Arbitrary<String> weird() {
    return Arbitraries.frequencyOf(
        weighted(
            4,
            Arbitraries.of(
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
        weighted(2, Arbitraries.strings().ofMaxLength(40)),
        weighted(1, Arbitraries.strings().all().ofMaxLength(20)),
        weighted(
            1,
            Arbitraries.of(300, 5_000, 20_000)
                .flatMap(
                    n -> Arbitraries.of("x", "\u00e9", "\ud83d\ude00", "9").map(c -> c.repeat(n)))),
        weighted(1, Arbitraries.longs().map(String::valueOf)),
        // Long and incompressible: larger than a PostgreSQL index entry may be.
        weighted(
            1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(3000).ofMaxLength(6000)));
  }

  private static byte[] bytes(JsonNode node) {
    return JSON.writeValueAsBytes(node);
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
  }

  private static <T> Tuple2<Integer, Arbitrary<? extends T>> weighted(
      int weight, Arbitrary<? extends T> arbitrary) {
    return Tuple.of(weight, arbitrary);
  }
}
