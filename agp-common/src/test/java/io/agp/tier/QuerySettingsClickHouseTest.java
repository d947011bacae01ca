package io.agp.tier;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agp.testkit.ClickHouseTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proof against a real ClickHouse that {@link QuerySettings} finds settings where the server reads
 * them, and that where it finds none the server reads none.
 *
 * <p>Every statement reads the session's {@code max_result_rows} from {@code system.settings},
 * which shows the settings of the query that reads it: 4242 means the server took the clause, 0
 * means it did not. (18.16 over HTTP does not fail a query on {@code max_result_rows = 1,
 * result_overflow_mode = 'throw'}, so its effect is read rather than provoked.)
 *
 * <p>The test server is ClickHouse 18.16; production runs 24.x and 25.x, which accept more forms,
 * and the parser errs on the side of detection for those. 18.16 refuses them as syntax errors (code
 * 62, shown by {@link #clickHouse18RefusesTheFormsOfNewerVersionsWhichAreFoundAnyway}): {@code #}
 * and {@code #!} comments, nested block comments, heredocs, typographic quotes, Unicode whitespace,
 * SETTINGS after FORMAT or twice in one SELECT, {@code SETTINGS(...)}, names without a value, the
 * values {@code DEFAULT}, {@code true}, {@code {param:Type}} and {@code 4_242}, a number glued to
 * the keyword, SETTINGS inside a table function's arguments, {@code EXPLAIN}, {@code INSERT ...
 * SETTINGS ... VALUES}, {@code CREATE USER ... SETTINGS}, {@code SET name} without a value,
 * compound names ({@code SETTINGS system.max_result_rows = 1}) and {@code SET TIME ZONE}.
 */
class QuerySettingsClickHouseTest {

  private static final String VALUE =
      "SELECT value FROM system.settings WHERE name = 'max_result_rows'";
  private static final String DATABASE = "agp_query_settings";
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static ClickHouseTestServer server;
  private static boolean version18;

  @BeforeAll
  static void start() {
    server = ClickHouseTestServer.shared();
    version18 = server.query("SELECT version()").startsWith("18.");
    server.query("CREATE DATABASE IF NOT EXISTS " + DATABASE);
    for (String table : Set.of("settings", "sink", "copy", "view")) {
      server.query("DROP TABLE IF EXISTS " + DATABASE + "." + table);
    }
    server.query("CREATE TABLE " + DATABASE + ".settings (max_result_rows UInt64) ENGINE = Memory");
    server.query("CREATE TABLE " + DATABASE + ".sink (v String) ENGINE = Memory");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        VALUE + " SETTINGS max_result_rows = 4242",
        VALUE + " settings max_result_rows = 4242",
        VALUE + " SeTtInGs max_result_rows = 4242",
        VALUE + " SETTINGS/*x*/max_result_rows/**/=/**/4242",
        VALUE + " SETTINGS -- a comment\nmax_result_rows -- another\n= 4242",
        VALUE + " SETTINGS // a comment\nmax_result_rows = 4242",
        VALUE + "\tSETTINGS\fmax_result_rows\u000B=\r\n4242",
        VALUE + " SETTINGS max_result_rows == 4242",
        VALUE + " SETTINGS max_result_rows=4242,max_threads=1",
        VALUE + " SETTINGS max_threads = 1, max_result_rows = 1, max_result_rows = 4242",
        VALUE + " SETTINGS `max_result_rows` = 4242",
        VALUE + " SETTINGS \"max_result_rows\" = 4242",
        VALUE + " SETTINGS `max_result\\x5frows` = 4242",
        VALUE + " SETTINGS `max_result\\x6grows` = 4242",
        VALUE + " SETTINGS `max_result_\\Nrows` = 4242",
        VALUE + " SETTINGS max_result_rows = +4242",
        VALUE + " SETTINGS max_result_rows = 4.242e3",
        VALUE + " SETTINGS max_result_rows = 0x1092",
        VALUE + " SETTINGS max_result_rows = 4242;",
        VALUE + " SETTINGS max_result_rows = 4242 FORMAT TabSeparated",
        VALUE + " AND 'a' = 'a'SETTINGS max_result_rows = 4242",
        "SELECT * FROM (" + VALUE + " SETTINGS max_result_rows = 4242)",
        "SELECT (" + VALUE + " SETTINGS max_result_rows = 4242)",
        "WITH 1 AS x " + VALUE + " SETTINGS max_result_rows = 4242",
        "SELECT value AS settings FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242",
        "SELECT settings.value FROM system.settings AS settings"
            + " WHERE settings.name = 'max_result_rows' SETTINGS max_result_rows = 4242",
        // Each of these begins what a careless lexer would take for a string or comment running
        // to the end, hiding the clause.
        VALUE + " AND 'it''s' != '' SETTINGS max_result_rows = 4242 -- '",
        VALUE + " AND 'it\\'s' != '' SETTINGS max_result_rows = 4242 -- '",
        VALUE + " AND '\\\\' != '' SETTINGS max_result_rows = 4242 -- '",
        VALUE + " AND '--' != '' SETTINGS max_result_rows = 4242",
        VALUE + " AND '/*' != '' SETTINGS max_result_rows = 4242 -- */",
        VALUE + " AND '\"' != '' SETTINGS max_result_rows = 4242 -- \"",
        VALUE + " /* ' */ SETTINGS max_result_rows = 4242 -- '",
        VALUE + " -- '\nSETTINGS max_result_rows = 4242 -- '",
        VALUE + " // '\nSETTINGS max_result_rows = 4242 -- '",
        "SELECT value AS `a\\`b` FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242 -- `",
        "SELECT value AS `a``b` FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242 -- `",
        "SELECT value AS \"a\\\"b\" FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242 -- \"",
        "SELECT value AS \"a\"\"b\" FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242 -- \"",
        "SELECT value AS \"'\" FROM system.settings WHERE name = 'max_result_rows'"
            + " SETTINGS max_result_rows = 4242 -- '",
      })
  void clickHouseReadsTheClauseWhereItIsFound(String sql) {
    assertThat(QuerySettings.named(sql)).contains("max_result_rows");
    assertThat(run(sql, "")).isEqualTo("4242");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // Up to 20.9 a block comment ends at the first */: from 20.10 this one never ends.
        VALUE + " /* /* */ SETTINGS max_result_rows = 4242 /* */",
        // 18.16 drops a backslash before any character; newer versions keep it before most.
        VALUE + " SETTINGS `max_result\\_rows` = 4242",
        VALUE + " SETTINGS `\\max_result_rows` = 4242",
      })
  void clickHouse18ReadsTheseFormsToo(String sql) {
    assumeTrue(version18, "forms that only older servers read");
    assertThat(QuerySettings.named(sql)).contains("max_result_rows");
    assertThat(run(sql, "")).isEqualTo("4242");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // '#' and '#!' line comments (newer versions).
        VALUE + " SETTINGS # a comment\nmax_result_rows = 4242",
        VALUE + " SETTINGS #!a comment\nmax_result_rows = 4242",
        // Nested block comments (20.10 on).
        VALUE + " /* /* */ */ SETTINGS max_result_rows = 4242",
        // Heredocs and typographic quotes (24.5 on for the quotes).
        VALUE + " AND $$x$$ = 'x' SETTINGS max_result_rows = 4242",
        VALUE + " AND \u2018x\u2019 = 'x' SETTINGS max_result_rows = 4242",
        VALUE + " SETTINGS \u201Cmax_result_rows\u201D = 4242",
        // Unicode whitespace.
        VALUE + " SETTINGS\u00A0max_result_rows = 4242",
        // SETTINGS after FORMAT, twice, in parentheses.
        VALUE + " FORMAT TabSeparated SETTINGS max_result_rows = 4242",
        VALUE + " SETTINGS max_threads = 1 SETTINGS max_result_rows = 4242",
        VALUE + " SETTINGS(max_result_rows = 4242)",
        // A name without a value, for a Bool setting.
        VALUE + " SETTINGS allow_experimental_analyzer, max_result_rows = 4242",
        VALUE + " SETTINGS max_result_rows = 4242, allow_experimental_analyzer",
        // Values 18.16 does not know.
        VALUE + " SETTINGS max_threads = DEFAULT, max_result_rows = 4242",
        VALUE + " SETTINGS max_threads = true, max_result_rows = 4242",
        VALUE + " SETTINGS max_result_rows = {limit:UInt64}",
        VALUE + " SETTINGS max_result_rows = 4_242",
        // A number glued to the keyword, which newer versions read as one word.
        "SELECT 1SETTINGS max_result_rows = 4242",
        // Places newer versions take a clause.
        "SELECT * FROM numbers(1 SETTINGS max_result_rows = 4242)",
        "EXPLAIN " + VALUE + " SETTINGS max_result_rows = 4242",
        "INSERT INTO " + DATABASE + ".sink SETTINGS max_result_rows = 4242 VALUES ('x')",
        "CREATE USER agp_query_settings SETTINGS max_result_rows = 4242",
        "SET max_result_rows",
      })
  void clickHouse18RefusesTheFormsOfNewerVersionsWhichAreFoundAnyway(String sql) {
    assumeTrue(version18, "what 18.16 refuses");
    assertThat(QuerySettings.named(sql)).contains("max_result_rows");
    Answer answer = post(sql, "");
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).startsWith("Code: 62");
  }

  /**
   * The reading of versions up to 20.9 fails exactly where 18.16 refuses the text: what AGP takes
   * for a text those servers refuse (so that nothing after the failure is live there) is one.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 AS $a",
        "SELECT $a$ x $a$",
        "SELECT 1 # a comment",
        "SELECT 'unclosed",
        "SELECT 1 /* unclosed",
        "SELECT 1 ! 2",
        "SELECT \u2018a\u2019",
        "SELECT 1 \\ 2",
        "SELECT 1 /* /* */ AS x",
        "SELECT 'a\\'b' AS `x``y`",
        "SELECT 1 -- c\n AS x",
      })
  void theOldestReadingFailsWhereClickHouse18RefusesTheText(String sql) {
    assumeTrue(version18, "the reading of 18.16");
    ClickHouseLexer lexer =
        new ClickHouseLexer(ClickHouseLexer.asSent(sql), ClickHouseLexer.Dialect.UP_TO_20_9);
    for (lexer.next(); !lexer.is(ClickHouseLexer.Type.END); lexer.next()) {
      // Reads to the end or to the first character those versions refuse.
    }
    Answer answer = post(sql, "");
    if (lexer.failed()) {
      assertThat(answer.status()).as(sql).isEqualTo(400);
      assertThat(answer.body()).as(sql).startsWith("Code: 62");
    } else {
      assertThat(answer.status()).as(sql + ": " + answer.body()).isEqualTo(200);
    }
  }

  @Test
  void clickHouse18RefusesCompoundNamesAndSetTimeZone() {
    assumeTrue(version18, "what 18.16 refuses");
    String compound = VALUE + " SETTINGS system.max_result_rows = 4242";
    String timeZone = "SET TIME ZONE 'UTC'";

    assertThat(QuerySettings.named(compound)).containsExactly("system.max_result_rows");
    assertThat(QuerySettings.named(timeZone)).containsExactly("session_timezone");
    for (String sql : Set.of(compound, timeZone)) {
      Answer answer = post(sql, "");
      assertThat(answer.status()).as(sql).isEqualTo(400);
      assertThat(answer.body()).as(sql).startsWith("Code: 62");
    }
  }

  @Test
  void aWordSettingsAfterATableIsTheClause() {
    String sql = "SELECT name, value FROM system.settings settings max_result_rows = 4242";

    assertThat(QuerySettings.named(sql)).containsExactly("max_result_rows");
    assertThat(run(sql, "").lines()).contains("max_result_rows\t4242");
  }

  @Test
  void clickHouseReadsAClauseOnEitherSideOfAUnion() {
    String last = "SELECT 'a' UNION ALL " + VALUE + " SETTINGS max_result_rows = 4242";
    String first = VALUE + " SETTINGS max_result_rows = 4242 UNION ALL SELECT 'b'";

    assertThat(QuerySettings.named(last)).containsExactly("max_result_rows");
    assertThat(run(last, "").lines()).contains("4242");
    assertThat(QuerySettings.named(first)).containsExactly("max_result_rows");
    assertThat(run(first, "").lines()).contains("4242");
  }

  @Test
  void clickHouseReadsTheClauseOfTheSelectThatAnInsertOrCreateRuns() {
    String insert =
        "INSERT INTO " + DATABASE + ".sink " + VALUE + " SETTINGS max_result_rows = 4242";
    String create =
        "CREATE TABLE "
            + DATABASE
            + ".copy ENGINE = Memory AS "
            + VALUE
            + " SETTINGS max_result_rows = 4343";
    String view =
        "CREATE VIEW " + DATABASE + ".view AS " + VALUE + " SETTINGS max_result_rows = 4444";

    for (String sql : Set.of(insert, create, view)) {
      assertThat(QuerySettings.named(sql)).as(sql).containsExactly("max_result_rows");
      run(sql, "");
    }
    assertThat(run("SELECT v FROM " + DATABASE + ".sink", "").lines()).contains("4242");
    assertThat(run("SELECT * FROM " + DATABASE + ".copy", "")).isEqualTo("4343");
    // A view keeps its clause: reading it later lifts the setting again.
    assertThat(run("SELECT * FROM " + DATABASE + ".view", "")).isEqualTo("4444");
  }

  @Test
  void clickHouseKeepsWhatASetStatementSetsForTheSession() {
    String set = "/* first */ SET max_result_rows = 4242, max_threads = 1";
    String session = "session_id=agp-query-settings-" + UUID.randomUUID();

    assertThat(QuerySettings.named(set)).containsExactly("max_result_rows", "max_threads");
    run(set, session);
    assertThat(run(VALUE, session)).isEqualTo("4242");
  }

  @Test
  void aLimitSetInTheClauseBindsTheQuery() {
    String sql = "SELECT number FROM system.numbers LIMIT 10 SETTINGS max_rows_to_read = 1";

    assertThat(QuerySettings.named(sql)).containsExactly("max_rows_to_read");
    Answer answer = post(sql, "");
    assertThat(answer.status()).isNotEqualTo(200);
    assertThat(answer.body()).startsWith("Code: 158");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        VALUE + " AND name != 'SETTINGS max_result_rows = 4242'",
        VALUE + " AND name != 'a\\' SETTINGS max_result_rows = 4242'",
        VALUE + " AND name != 'a'' SETTINGS max_result_rows = 4242'",
        VALUE + " -- SETTINGS max_result_rows = 4242",
        VALUE + " -- a comment ends at a line feed only\r SETTINGS max_result_rows = 4242",
        VALUE + " // SETTINGS max_result_rows = 4242",
        VALUE + " /* SETTINGS max_result_rows = 4242 */",
        VALUE + " /* /* SETTINGS max_result_rows = 4242 */",
        "SELECT value AS settings FROM system.settings WHERE name = 'max_result_rows'",
        "SELECT value AS `SETTINGS` FROM system.settings WHERE name = 'max_result_rows'",
        "SELECT settings.value FROM system.settings AS settings"
            + " WHERE settings.name = 'max_result_rows'",
      })
  void clickHouseSetsNothingWhereNothingIsFound(String sql) {
    assertThat(QuerySettings.named(sql)).isEmpty();
    assertThat(run(sql, "")).isEqualTo("0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT max_result_rows FROM settings WHERE max_result_rows = 7",
        "SELECT s.max_result_rows FROM settings AS s WHERE s.max_result_rows = 7",
        "SELECT settings.max_result_rows FROM settings WHERE settings.max_result_rows = 7",
        "SELECT max_result_rows FROM settings WHERE max_result_rows = 7"
            + " ORDER BY max_result_rows DESC LIMIT 1",
        "SELECT max_result_rows FROM " + DATABASE + ".settings WHERE max_result_rows = 7",
      })
  void aTableCalledSettingsIsNoClause(String sql) {
    String insert = "INSERT INTO settings (max_result_rows) VALUES (7)";
    assertThat(QuerySettings.named(insert)).isEmpty();
    run(insert, "database=" + DATABASE);

    assertThat(QuerySettings.named(sql)).isEmpty();
    // The server reads the table's rows: it took settings for the table, not for the clause.
    assertThat(run(sql, "database=" + DATABASE).lines()).contains("7");
  }

  private record Answer(int status, String body) {}

  /** The answer's body, stripped, failing on any status but 200. */
  private static String run(String sql, String parameters) {
    Answer answer = post(sql, parameters);
    assertThat(answer.status()).as("%s: %s", sql, answer.body()).isEqualTo(200);
    return answer.body().strip();
  }

  private static Answer post(String sql, String parameters) {
    StringBuilder query = new StringBuilder("/");
    if (!parameters.isEmpty()) {
      String[] pair = parameters.split("=", 2);
      query.append('?').append(pair[0]).append('=').append(URLEncoder.encode(pair[1], UTF_8));
    }
    URI uri = server.httpUrl().resolve(query.toString());
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(sql, UTF_8))
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("query failed: " + sql, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + sql, e);
    }
  }
}
