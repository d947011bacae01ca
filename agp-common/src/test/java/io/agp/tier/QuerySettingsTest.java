package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.agp.tier.ClickHouseLexer.Dialect;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link QuerySettings} finds in hostile statements. Which of these forms ClickHouse 18.16
 * really reads as settings is shown in {@link QuerySettingsClickHouseTest}.
 */
class QuerySettingsTest {

  @Test
  void findsTheSettingThatLiftsATimeLimit() {
    assertThat(
            QuerySettings.named(
                "SELECT count() FROM numbers(1e11) SETTINGS max_execution_time = 0"))
        .containsExactly("max_execution_time");
  }

  @Test
  void findsEveryNameOfAListInOrderOnce() {
    assertThat(
            QuerySettings.named(
                "SELECT 1 SETTINGS max_threads = 8, readonly = 0, max_threads = 2,"
                    + " max_memory_usage = 1e12"))
        .containsExactly("max_threads", "readonly", "max_memory_usage");
  }

  @Test
  void givesTheNamesInOrderOfAppearanceAcrossClauses() {
    assertThat(
            QuerySettings.named(
                "SELECT * FROM (SELECT 1 SETTINGS b = 1) SETTINGS a = 1 UNION ALL SELECT 2"
                    + " SETTINGS c = 1, b = 2"))
        .containsExactly("b", "a", "c");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 settings max_threads = 1",
        "SELECT 1 SeTtInGs max_threads = 1",
        "SELECT 1 SETTINGS MAX_THREADS = 1",
        "SELECT 1 SETTINGS Max_Threads = 1",
      })
  void matchesTheKeywordInAnyCaseAndLowerCasesTheName(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_threads");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 SETTINGS/*x*/max_threads/**/=/**/1",
        "SELECT 1 SETTINGS -- a comment\nmax_threads -- another\n= 1",
        "SELECT 1 SETTINGS // a comment\nmax_threads = 1",
        "SELECT 1 SETTINGS # a comment\nmax_threads = 1",
        "SELECT 1 SETTINGS #!a comment\nmax_threads = 1",
        "SELECT 1\tSETTINGS\tmax_threads\t=\t1",
        "SELECT 1\fSETTINGS\u000Bmax_threads\r=\n1",
        "SELECT 1\u00A0SETTINGS\u2003max_threads\u3000=\u00A01",
        "SELECT 1 SETTINGS /* /* nested */ */ max_threads = 1",
        "SELECT 1 SETTINGS max_threads=1",
        "SELECT 1 SETTINGS max_threads==1",
        "SELECT 1 SETTINGS max_threads = 1;",
        "SELECT 1 SETTINGS max_threads = 1 -- the end",
        "SELECT 1 SETTINGS max_threads = 1 /* unterminated",
      })
  void readsThroughCommentsAndWhitespaceBetweenTokens(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_threads");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT * FROM (SELECT 1 SETTINGS max_threads = 1)",
        "SELECT * FROM (SELECT 1)SETTINGS max_threads=1",
        "SELECT (SELECT 1 SETTINGS max_threads = 1) AS x",
        "SELECT 1 WHERE 1 IN (SELECT 1 SETTINGS max_threads = 1)",
        "WITH t AS (SELECT 1 SETTINGS max_threads = 1) SELECT * FROM t",
        "SELECT 1 SETTINGS max_threads = 1 UNION ALL SELECT 2",
        "SELECT 1 UNION ALL SELECT 2 SETTINGS max_threads = 1",
        "SELECT 1 EXCEPT SELECT 2 SETTINGS max_threads = 1",
        "SELECT 1 SETTINGS max_threads = 1 FORMAT JSON",
        "SELECT 1 FORMAT JSON SETTINGS max_threads = 1",
        "SELECT 1 SETTINGS max_threads = 1 INTO OUTFILE 'x'",
        "SELECT * FROM numbers(10 SETTINGS max_threads = 1)",
        "SELECT * FROM s3('http://s3/x', 'CSV', SETTINGS max_threads = 1)",
        "SELECT * FROM view(SELECT 1 SETTINGS max_threads = 1)",
        "SELECT * FROM remote('h', system.one) SETTINGS max_threads = 1",
        "EXPLAIN SELECT 1 SETTINGS max_threads = 1",
        "INSERT INTO t SETTINGS max_threads = 1 VALUES (1)",
        "INSERT INTO t SETTINGS max_threads = 1 FORMAT CSV\n1,2\n",
        "INSERT INTO t SELECT 1 SETTINGS max_threads = 1",
        "CREATE TABLE t ENGINE = Memory AS SELECT 1 SETTINGS max_threads = 1",
        "CREATE VIEW v AS SELECT 1 SETTINGS max_threads = 1",
        "ALTER USER me SETTINGS max_threads = 1",
        "SELECT value FROM system.settings settings max_threads = 1",
        "SELECT * FROM t FINAL SETTINGS max_threads = 1",
        "SELECT * FROM t ORDER BY x DESC SETTINGS max_threads = 1",
        "SELECT * FROM t LIMIT 10 SETTINGS max_threads = 1",
      })
  void findsTheClauseWhereverItStands(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_threads");
  }

  @Test
  void findsTheSettingsOfATable() {
    assertThat(
            QuerySettings.named(
                "CREATE TABLE t (d Date) ENGINE = MergeTree ORDER BY d"
                    + " SETTINGS index_granularity = 1, storage_policy = 'x'"))
        .containsExactly("index_granularity", "storage_policy");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SET max_threads = 1",
        "set max_threads = 1",
        "  /* a comment */ -- and another\n SET max_threads = 1",
        "SET max_threads == 1",
        "SET `max_threads` = 1",
        "SET max_threads",
        "SET max_threads = DEFAULT",
        "SET max_threads = 1;",
        "SELECT 1; SET max_threads = 1",
      })
  void findsASetStatement(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_threads");
  }

  @Test
  void findsEveryNameOfASetStatement() {
    assertThat(QuerySettings.named("SET readonly = 0, max_memory_usage = 0, allow_ddl"))
        .containsExactly("readonly", "max_memory_usage", "allow_ddl");
  }

  @Test
  void findsTheTimeZoneOfSetTimeZone() {
    assertThat(QuerySettings.named("SET TIME ZONE 'UTC'")).containsExactly("session_timezone");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SET ROLE admin",
        "SET DEFAULT ROLE admin TO me",
        "SET ROLE NONE",
        "SET TRANSACTION SNAPSHOT 7",
        "SELECT 1 SET max_threads = 1",
      })
  void findsNothingInOtherStatementsWithTheWordSet(String sql) {
    assertThat(QuerySettings.named(sql)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 SETTINGS `max_execution_time` = 0",
        "SELECT 1 SETTINGS \"max_execution_time\" = 0",
        "SELECT 1 SETTINGS \u201Cmax_execution_time\u201D = 0",
        "SELECT 1 SETTINGS `max\\x5Fexecution\\x5ftime` = 0",
        "SELECT 1 SETTINGS `max\\x6gexecution_time` = 0",
        "SELECT 1 SETTINGS `max\\_execution\\_time` = 0",
        "SELECT 1 SETTINGS `\\max_execution_time` = 0",
        "SELECT 1 SETTINGS `max_\\execution_time` = 0",
        "SELECT 1 SETTINGS `max_\\Nexecution_time` = 0",
        "SELECT 1 SETTINGS \"max_\\Nexecution_time\" = 0",
        "SELECT 1 SETTINGS `MAX_EXECUTION_TIME` = 0",
      })
  void findsQuotedAndEscapedNames(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_execution_time");
  }

  @Test
  void decodesDoubledQuotesInANameAsClickHouseDoes() {
    assertThat(QuerySettings.named("SELECT 1 SETTINGS `a``b` = 1, \"c\"\"d\" = 2"))
        .containsExactly("a`b", "c\"d");
  }

  @Test
  void keepsACompoundNameWhole() {
    assertThat(QuerySettings.named("SELECT 1 SETTINGS default.max_threads = 1, `a`.\"b\" = 2"))
        .containsExactly("default.max_threads", "a.b");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0",
        "-1",
        "+1",
        "\u22121",
        "1.5e-3",
        ".5",
        "0x1F",
        "0b101",
        "1_000_000",
        "inf",
        "-nan",
        "'throw'",
        "\u2018throw\u2019",
        "$$throw$$",
        "$tag$throw$tag$",
        "x'1F'",
        "throw",
        "true",
        "NULL",
        "DEFAULT",
        "[1, 2]",
        "(1, 'a')",
        "{'a': 'b', 'c': 'd'}",
        "{limit:UInt64}",
        "disk(type = 's3', endpoint = 'http://x', secret = ',')",
        "1 + 1",
        "toUInt64(1)",
      })
  void readsOnAfterAValueOfAnyForm(String value) {
    assertThat(
            QuerySettings.named(
                "SELECT 1 SETTINGS max_threads = " + value + ", max_execution_time = 0"))
        .containsExactly("max_threads", "max_execution_time");
  }

  @Test
  void findsNamesWithoutAValue() {
    // 23.x on: a Bool setting alone means true, so a list may start or end with a bare name.
    assertThat(QuerySettings.named("SELECT 1 SETTINGS allow_ddl, max_threads = 1, readonly"))
        .containsExactly("allow_ddl", "max_threads", "readonly");
    assertThat(QuerySettings.named("SELECT 1 SETTINGS allow_ddl FORMAT JSON"))
        .containsExactly("allow_ddl");
    assertThat(QuerySettings.named("SELECT * FROM (SELECT 1 SETTINGS allow_ddl)"))
        .containsExactly("allow_ddl");
  }

  @Test
  void findsTheElementsOfASettingsProfile() {
    assertThat(
            QuerySettings.named(
                "CREATE SETTINGS PROFILE p SETTINGS max_memory_usage = 1 MIN 0 MAX 2 WRITABLE,"
                    + " max_threads MAX 100, readonly CONST, INHERIT 'base' TO me"))
        .containsExactly("max_memory_usage", "max_threads", "readonly", "profile");
    assertThat(QuerySettings.named("ALTER USER me SETTINGS PROFILE 'unlimited'"))
        .containsExactly("profile");
    assertThat(
            QuerySettings.named("ALTER USER me SETTINGS max_execution_time CHANGEABLE_IN_READONLY"))
        .containsExactly("max_execution_time");
  }

  @Test
  void findsTheSettingsOfADictionaryInParentheses() {
    assertThat(
            QuerySettings.named(
                "CREATE DICTIONARY d (k UInt64, v String) PRIMARY KEY k SOURCE(CLICKHOUSE(TABLE"
                    + " 't')) LAYOUT(FLAT()) LIFETIME(0)"
                    + " SETTINGS(format_csv_allow_single_quotes = 0, max_threads = 1)"))
        .containsExactly("format_csv_allow_single_quotes", "max_threads");
  }

  @Test
  void readsAClauseInsideAValueAsAClauseOfItsOwn() {
    assertThat(QuerySettings.named("SELECT 1 SETTINGS a = (SELECT 1 SETTINGS b = 2)"))
        .containsExactly("a", "b");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // A lexer that took each of these for the start of a string or comment running to the end
        // would miss the clause ClickHouse reads.
        "SELECT 'it''s' SETTINGS max_execution_time = 0 -- '",
        "SELECT 'it\\'s' SETTINGS max_execution_time = 0 -- '",
        "SELECT '\\\\' SETTINGS max_execution_time = 0 -- '",
        "SELECT '--' SETTINGS max_execution_time = 0",
        "SELECT '#' SETTINGS max_execution_time = 0",
        "SELECT '/*' SETTINGS max_execution_time = 0 -- */",
        "SELECT '\"' SETTINGS max_execution_time = 0 -- \"",
        "SELECT '`' SETTINGS max_execution_time = 0 -- `",
        "SELECT 1 AS `a\\`b` SETTINGS max_execution_time = 0 -- `",
        "SELECT 1 AS `a``b` SETTINGS max_execution_time = 0 -- `",
        "SELECT 1 AS \"a\\\"b\" SETTINGS max_execution_time = 0 -- \"",
        "SELECT 1 AS \"a\"\"b\" SETTINGS max_execution_time = 0 -- \"",
        "SELECT 1 AS \"'\" SETTINGS max_execution_time = 0 -- '",
        "SELECT 1 /* ' */ SETTINGS max_execution_time = 0 -- '",
        "SELECT 1 -- '\nSETTINGS max_execution_time = 0 -- '",
        "SELECT 1 // '\nSETTINGS max_execution_time = 0 -- '",
        "SELECT 1 # '\nSETTINGS max_execution_time = 0 -- '",
        "SELECT 1 /* -- */ SETTINGS max_execution_time = 0",
        "SELECT 1 /*/ */ SETTINGS max_execution_time = 0",
        "SELECT $$'$$ SETTINGS max_execution_time = 0 -- '",
        "SELECT $a b$'$a b$ SETTINGS max_execution_time = 0 -- '",
        "SELECT \u2018'\u2019 SETTINGS max_execution_time = 0 -- '",
        "SELECT \u2018\\\u2019 SETTINGS max_execution_time = 0 -- '",
        "SELECT \u201C'\u201D SETTINGS max_execution_time = 0 -- '",
        "SELECT x'41' SETTINGS max_execution_time = 0 -- '",
        "SELECT 1 - -1 SETTINGS max_execution_time = 0",
        "SELECT 1 SETTINGS max_execution_time = 0 -- '",
      })
  void seesTheClauseBehindQuoteAndCommentLookalikes(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_execution_time");
  }

  @Test
  void readsNestedCommentsAsOldAndNewServersDo() {
    // Up to 20.9 a block comment ends at the first */; from 20.10 comments nest.
    assertThat(QuerySettings.named("SELECT 1 /* /* */ SETTINGS max_execution_time = 0 /* */"))
        .containsExactly("max_execution_time");
    assertThat(QuerySettings.named("SELECT 1 /* /* */ */ SETTINGS max_execution_time = 0"))
        .containsExactly("max_execution_time");
  }

  @Test
  void readsAHeredocToTheSameTagAsClickHouse() {
    // 21.9 to 25.7 read any tag; 25.8 only tags of word characters; before 21.9 $q$ is a name.
    String words = "SELECT $a$ $b$ SETTINGS x = 1 $b$ $a$ SETTINGS y = 1";
    assertThat(QuerySettings.found(words, new Dialect[] {Dialect.FROM_21_9, Dialect.FROM_25_8}))
        .extracting(QuerySettings.Setting::name)
        .containsExactly("y");
    assertThat(QuerySettings.found(words, new Dialect[] {Dialect.FROM_20_10}))
        .extracting(QuerySettings.Setting::name)
        .containsExactly("x", "y");
    String spaced = "SELECT $a b$ SETTINGS x = 1 $a b$ SETTINGS y = 1";
    assertThat(QuerySettings.found(spaced, new Dialect[] {Dialect.FROM_21_9}))
        .extracting(QuerySettings.Setting::name)
        .containsExactly("y");
    assertThat(QuerySettings.found(spaced, new Dialect[] {Dialect.FROM_25_8}))
        .extracting(QuerySettings.Setting::name)
        .containsExactly("x", "y");
    assertThat(QuerySettings.named("SELECT $a$x$ab$ $a$ SETTINGS y = 1")).containsExactly("y");
    assertThat(QuerySettings.named("SELECT $a$ SETTINGS x = 1 $b$")).containsExactly("x");
  }

  @Test
  void takesLoneSurrogatesForTheQuestionMarksClickHouseReceives() {
    // '$\uD800$' and '$\uDBFF$' are both sent as $?$: one heredoc.
    assertThat(QuerySettings.named("SELECT $\uD800$'$\uDBFF$ SETTINGS max_execution_time = 0 --'"))
        .containsExactly("max_execution_time");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1SETTINGS max_threads = 1",
        "SELECT 1.SETTINGS max_threads = 1",
        "SELECT 1e5SETTINGS max_threads = 1",
        "SELECT 'a'SETTINGS max_threads = 1",
        "SELECT `a`SETTINGS max_threads = 1",
        "SELECT (1)SETTINGS max_threads = 1",
      })
  void findsAKeywordGluedToThePreviousToken(String sql) {
    assertThat(QuerySettings.named(sql)).containsExactly("max_threads");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 'SETTINGS max_threads = 1'",
        "SELECT 'a\\' SETTINGS max_threads = 1'",
        "SELECT 'a'' SETTINGS max_threads = 1'",
        "SELECT \"SETTINGS max_threads = 1\" FROM t",
        "SELECT `SETTINGS max_threads = 1` FROM t",
        "SELECT 1 -- SETTINGS max_threads = 1",
        "SELECT 1 -- x\r SETTINGS max_threads = 1",
        "SELECT 1 // SETTINGS max_threads = 1",
        "SELECT 1 /* SETTINGS max_threads = 1 */",
        "SELECT 1 /* /* SETTINGS max_threads = 1 */ */",
        "SELECT 1 # SETTINGS max_threads = 1",
        "SELECT $$SETTINGS max_threads = 1$$",
        "SELECT \u2018SETTINGS max_threads = 1\u2019",
        "SELECT \u201CSETTINGS max_threads = 1\u201D FROM t",
        "SELECT 1 AS `SETTINGS` FROM t WHERE \"SETTINGS\" = 1",
        "SELECT 1 /* SETTINGS max_threads = 1",
        "SELECT 'SETTINGS max_threads = 1",
      })
  void ignoresTheWordInStringsIdentifiersAndComments(String sql) {
    assertThat(QuerySettings.named(sql)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT settings FROM t",
        "SELECT settings, x FROM t",
        "SELECT x, settings FROM t",
        "SELECT settings s, x FROM t",
        "SELECT DISTINCT settings AS s FROM t",
        "SELECT 1 AS settings",
        "SELECT 1 AS settings, 2 AS x",
        "SELECT * FROM settings",
        "SELECT * FROM settings WHERE max_threads = 1",
        "SELECT * FROM settings s WHERE s.max_threads = 1",
        "SELECT * FROM settings AS s, t",
        "SELECT * FROM settings FINAL",
        "SELECT * FROM t JOIN settings USING (id)",
        "SELECT * FROM t JOIN settings ON t.id = settings.id",
        "SELECT * FROM t AS settings WHERE settings.max_threads = 1",
        "SELECT name, value FROM system.settings WHERE name = 'max_threads'",
        "SELECT * FROM system.settings s WHERE s.changed",
        "SELECT count() FROM system.settings",
        "SELECT Settings['max_threads'] FROM system.query_log",
        "SELECT query_id, Settings AS s FROM system.query_log",
        "SELECT mapKeys(Settings) FROM system.query_log WHERE Settings['readonly'] = '1'",
        "SELECT * FROM t WHERE settings = 1",
        "SELECT * FROM t WHERE settings == 1",
        "SELECT * FROM t WHERE settings != 1 AND x = 2",
        "SELECT * FROM t WHERE settings IS NULL",
        "SELECT * FROM t WHERE settings LIKE '%max_threads = 1%'",
        "SELECT * FROM t ORDER BY settings DESC",
        "SELECT * FROM t GROUP BY settings, x",
        "SELECT * FROM t ORDER BY settings ASC LIMIT 1",
        "INSERT INTO settings VALUES (1)",
        "INSERT INTO settings (max_threads, readonly) VALUES (1, 0)",
        "INSERT INTO settings SELECT * FROM t",
        "INSERT INTO TABLE settings FORMAT CSV",
        "CREATE TABLE settings (max_threads UInt64) ENGINE = Memory",
        "CREATE TABLE t (id UInt64, settings String) ENGINE = Memory",
        "CREATE TABLE t (settings String, id UInt64) ENGINE = Memory",
        "ALTER TABLE t ADD COLUMN settings String",
        "DROP TABLE settings",
        "DROP SETTINGS PROFILE p",
        "SHOW CREATE SETTINGS PROFILE p",
        "SHOW SETTINGS PROFILES",
        "SHOW SETTINGS LIKE 'max_%'",
        "SHOW CHANGED SETTINGS ILIKE '%memory%'",
        "WITH settings AS (SELECT 1) SELECT * FROM settings",
        "SELECT 1 FROM t WHERE x IN settings",
        "SELECT 1 SETTINGS",
        "SELECT 1 SETTINGS ",
        "SELECT 1 SETTINGS = 1",
        "SELECT 1 SETTINGS 'max_threads' = 1",
        "SELECT 1 SETTINGS (1)",
      })
  void findsNothingWhereTheWordIsAName(String sql) {
    assertThat(QuerySettings.named(sql)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "SETTINGS",
        "SETTINGS (",
        "SETTINGS a =",
        "SETTINGS a = (",
        "SETTINGS a = [[[[",
        "SETTINGS a = )))",
        "SETTINGS `a",
        "SETTINGS \"a\\",
        "SETTINGS a.",
        "SETTINGS a . ",
        "SETTINGS \u201Ca",
        "SELECT '",
        "SELECT '\\",
        "SELECT \"",
        "SELECT `",
        "SELECT /*",
        "SELECT /* /*",
        "SELECT --",
        "SELECT $",
        "SELECT $$",
        "SELECT $a",
        "SELECT $a$",
        "SELECT \u2018",
        "SELECT \u201C",
        "SELECT 1e",
        "SELECT 1e+",
        "SELECT 0x",
        "SET",
        "SET TIME",
        "SET TIME ZONE",
        ";;;",
        "\uD800",
        "\uDC00SETTINGS",
        "SETTINGS `\\x",
        "SETTINGS `\\x4",
        "SETTINGS `\\x\u00E9\u00E9` = 1",
      })
  void neverThrowsOnBrokenInput(String sql) {
    assertThatCode(() -> QuerySettings.named(sql)).doesNotThrowAnyException();
  }

  @Test
  void treatsAnUnterminatedStringOrCommentAsRunningToTheEnd() {
    assertThat(QuerySettings.named("SELECT 'abc SETTINGS max_threads = 1")).isEmpty();
    assertThat(QuerySettings.named("SELECT `abc SETTINGS max_threads = 1")).isEmpty();
    assertThat(QuerySettings.named("SELECT /* abc SETTINGS max_threads = 1")).isEmpty();
    assertThat(QuerySettings.named("SELECT 1 SETTINGS `max_threads"))
        .containsExactly("max_threads");
  }

  @Test
  void acceptsNull() {
    assertThat(QuerySettings.named(null)).isEmpty();
  }

  @Test
  void neverThrowsOnRandomText() {
    Random random = new Random(42);
    String alphabet =
        "SETTINGSsettings max_threads=,.;()[]{}'\"`\\/*-#!$xX01e+\n\t\u2018\u2019\u201C\u201D\uD800";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sql = new StringBuilder();
      int length = random.nextInt(40);
      for (int j = 0; j < length; j++) {
        sql.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = sql.toString();
      assertThatCode(() -> QuerySettings.named(text)).as(text).doesNotThrowAnyException();
    }
  }

  @Test
  void handlesAOneMegabyteStatement() {
    StringBuilder sql = new StringBuilder("SELECT ");
    while (sql.length() < 1 << 20) {
      sql.append("a + 1 AS settings, 'SETTINGS x = 1', \"id\", $$SETTINGS y = 1$$ -- SETTINGS z\n");
    }
    sql.append("1 FROM t SETTINGS max_execution_time = 0");

    assertThat(QuerySettings.named(sql.toString())).containsExactly("max_execution_time");
  }

  @Test
  void handlesOneMegabyteOfPathologicalText() {
    int size = 1 << 20;
    for (String unit : List.of("$", "$a", "settings ", "settings a.", "(", "/*", "'", "a.")) {
      String sql = unit.repeat(size / unit.length()) + " SETTINGS max_threads = 1";
      assertThatCode(() -> QuerySettings.named(sql)).as(unit).doesNotThrowAnyException();
    }
    String longList = "SELECT 1 SETTINGS " + "max_threads = 1, ".repeat(size / 17) + "readonly = 0";
    assertThat(QuerySettings.named(longList)).containsExactly("max_threads", "readonly");
  }

  @Test
  void isLockedMatchesNamesPrefixesSuffixesAndParts() {
    Set<String> locked =
        Set.of("MAX_EXECUTION_TIME", "readonly", "*_overflow_mode", "max_memory_*");

    assertThat(QuerySettings.isLocked("max_threads", locked)).isFalse();
    assertThat(QuerySettings.isLocked("Max_Execution_Time", locked)).isTrue();
    assertThat(QuerySettings.isLocked("result_overflow_mode", locked)).isTrue();
    assertThat(QuerySettings.isLocked("max_memory_usage_for_user", locked)).isTrue();
    assertThat(QuerySettings.isLocked("readonly_x", locked)).isFalse();
    assertThat(QuerySettings.isLocked("a", Set.of("*"))).isTrue();
    assertThat(QuerySettings.isLocked("x_memory_y", Set.of("*memory*"))).isTrue();
  }

  @Test
  void readsEachSettingsValueWhenItIsOneLiteral() {
    assertThat(
            QuerySettings.found(
                "SELECT 1 SETTINGS max_threads = 8, max_block_size = '100', x = -1, y = 1 + 1,"
                    + " z = toUInt8(1), w"))
        .containsExactly(
            new QuerySettings.Setting("max_threads", "8"),
            new QuerySettings.Setting("max_block_size", "'100'"),
            new QuerySettings.Setting("x", "-1"),
            new QuerySettings.Setting("y", null),
            new QuerySettings.Setting("z", null),
            new QuerySettings.Setting("w", null));
    assertThat(QuerySettings.found("SET max_threads = 2"))
        .containsExactly(new QuerySettings.Setting("max_threads", "2"));
  }

  @Test
  void heredocsEndWhereClickHouseLooksForTheirTag() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(24);
      for (int j = 0; j < length; j++) {
        text.append("$$ab".charAt(random.nextInt(4)));
      }
      String sample = text.toString();
      ClickHouseLexer.Heredocs heredocs = new ClickHouseLexer.Heredocs(sample, false);
      for (int p = sample.indexOf('$'); p >= 0; p = sample.indexOf('$', p + 1)) {
        assertThat(heredocs.endOf(p)).as("%s at %d", sample, p).isEqualTo(heredocEnd(sample, p));
      }
    }
  }

  /** ClickHouse's own search: the tag runs to the next '$' and is looked for after itself. */
  private static int heredocEnd(String text, int dollar) {
    int close = text.indexOf('$', dollar + 1);
    if (close < 0) {
      return -1;
    }
    String tag = text.substring(dollar, close + 1);
    int copy = text.indexOf(tag, close + 1);
    return copy < 0 ? -1 : copy + tag.length();
  }
}
