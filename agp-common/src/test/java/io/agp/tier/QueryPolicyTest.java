package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a tier lets a query set and reach, by its allow-lists and their defaults. */
class QueryPolicyTest {

  private final QueryPolicy defaults = policy(Map.of("settings.max_threads", "8"));

  // --- Settings ---

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 SETTINGS output_format_json_quote_64bit_integers = 0",
        "SELECT 1 SETTINGS join_use_nulls = 1, date_time_output_format = 'iso'",
        "SELECT 1 SETTINGS max_threads = 4",
        "SELECT 1 SETTINGS max_threads = '8'",
        "SET session_timezone = 'UTC'",
        "SELECT name FROM system.settings WHERE name = 'max_threads'",
      })
  void allowsWhatAnAnalystOrABiToolSets(String sql) {
    assertThatCode(() -> defaults.check(sql)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT 1 SETTINGS max_execution_time = 0|max_execution_time",
        "SELECT 1 SETTINGS readonly = 0|readonly",
        "SELECT 1 SETTINGS result_overflow_mode = 'break'|result_overflow_mode",
        "SELECT 1 SETTINGS log_queries = 0|log_queries",
        "SELECT 1 SETTINGS max_result_rows_leaf = 0|max_result_rows_leaf",
        "SELECT 1 SETTINGS http_response_headers = map('a', 'b')|http_response_headers",
        "SELECT 1 SETTINGS role = 'admin'|role",
        "SELECT 1 SETTINGS a_setting_of_clickhouse_99 = 1|a_setting_of_clickhouse_99",
        "SELECT 1 SETTINGS output_format_schema = '/tmp/x'|output_format_schema",
        "SET allow_introspection_functions = 1|allow_introspection_functions",
      })
  void refusesEverySettingItDoesNotList(String sql, String setting) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("sets " + setting)
        .extracting(e -> ((QueryRefusedException) e).field())
        .isEqualTo("sql");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 SETTINGS max_threads = 9",
        "SELECT 1 SETTINGS max_threads = 0",
        "SELECT 1 SETTINGS max_threads = 'auto'",
        "SELECT 1 SETTINGS max_threads = 4 + 4",
        "SELECT 1 SETTINGS max_threads = -1",
        "SELECT 1 SETTINGS max_threads = 1e3",
        "SELECT 1 SETTINGS max_threads = 0x10",
      })
  void aBoundedSettingStaysBetweenOneAndTheTiersValue(String sql) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("max_threads")
        .hasMessageContaining("from 1 to 8");
  }

  @Test
  void aSettingBoundByTheTierIsLockedWhenTheTierSetsNone() {
    assertThatThrownBy(() -> policy(Map.of()).check("SELECT 1 SETTINGS max_memory_usage = 1"))
        .hasMessageContaining("max_memory_usage")
        .hasMessageContaining("sets none");
  }

  @Test
  void aTierListsItsOwnSettingsPatternsAndBoundsAndAddsToTheDefaults() {
    QueryPolicy policy =
        policy(
            Map.of(
                "settings.priority", "5",
                "changeable-settings[0]", "defaults",
                "changeable-settings[1]", "max_block_size<=65536",
                "changeable-settings[2]", "my_*",
                "changeable-settings[3]", "priority<=tier"));

    assertThatCode(() -> policy.check("SELECT 1 SETTINGS max_block_size = 1000, my_flag = 1"))
        .doesNotThrowAnyException();
    assertThatCode(() -> policy.check("SELECT 1 SETTINGS join_use_nulls = 1, priority = 3"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS max_block_size = 65537"))
        .hasMessageContaining("from 1 to 65536");
    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS priority = 6"))
        .hasMessageContaining("from 1 to 5");
  }

  @Test
  void aPatternNeverOpensASettingTheTierSetsItself() {
    QueryPolicy policy =
        policy(Map.of("settings.max_rows_to_sort", "100", "changeable-settings[0]", "max_*"));

    assertThatCode(() -> policy.check("SELECT 1 SETTINGS max_bytes_to_sort = 1"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS max_rows_to_sort = 1000"))
        .hasMessageContaining("max_rows_to_sort");
    // Nor one of the gateway's own, which no list can open.
    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS max_execution_time = 1"))
        .hasMessageContaining("max_execution_time");
  }

  @Test
  void lockedSettingsCloseWhatTheChangeableOnesWouldOpen() {
    QueryPolicy policy = policy(Map.of("locked-settings[0]", "join_use_nulls"));

    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS join_use_nulls = 1"))
        .hasMessageContaining("join_use_nulls");
  }

  @Test
  void anEmptyListLetsAQueryChangeNothing() {
    QueryPolicy policy = policy(Map.of("changeable-settings", ""));

    assertThatThrownBy(() -> policy.check("SELECT 1 SETTINGS join_use_nulls = 1"))
        .hasMessageContaining("join_use_nulls");
  }

  @ParameterizedTest
  @ValueSource(strings = {"readonly", "max_execution_time", "send_logs_level<=x", "a=b"})
  void aListThatOpensALockedSettingOrCannotBeReadStopsTheStart(String entry) {
    assertThatThrownBy(() -> policy(Map.of("changeable-settings[0]", entry)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(entry.contains("<") || entry.contains("=") ? entry : "locked");
  }

  @Test
  void aUrlSettingIsCheckedAsOneInTheSqlAndNamedAsItsParameter() {
    assertThatCode(() -> defaults.checkSetting("max_threads", "2")).doesNotThrowAnyException();
    assertThatThrownBy(() -> defaults.checkSetting("Http_Response_Headers", "{}"))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("http_response_headers")
        .extracting(e -> ((QueryRefusedException) e).field())
        .isEqualTo("Http_Response_Headers");
    assertThatThrownBy(() -> defaults.checkSetting("max_threads", "64"))
        .hasMessageContaining("from 1 to 8");
  }

  // --- Table functions ---

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT * FROM numbers(10)",
        "SELECT * FROM t, numbers(10) AS n",
        "SELECT * FROM t JOIN zeros(3) USING (x)",
        "SELECT * FROM values('x UInt8', 1, 2)",
        "SELECT * FROM generateRandom('a UInt8') LIMIT 1",
        "SELECT extract(YEAR FROM toDate('2024-01-01')), trim(BOTH ' ' FROM ' a ')",
        "SELECT substring('abc' FROM 2), format('{}', 'x')",
        "SELECT * FROM t ARRAY JOIN arrayMap(x -> x, arr) AS a",
        "SELECT * FROM (SELECT 1) AS s, t2 FINAL WHERE f(x) IN (SELECT y FROM t3)",
        "SELECT url, remote FROM t WHERE url = 'http://x'",
      })
  void allowsTheHarmlessTableFunctionsAndOrdinaryFunctions(String sql) {
    assertThatCode(() -> defaults.check(sql)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT * FROM url('http://127.0.0.1:8080/', TSV, 'x String')|url",
        "SELECT * FROM remote('127.0.0.1:9000', system.one)|remote",
        "SELECT * FROM t, s3('http://x/y', 'CSV')|s3",
        "SELECT * FROM t LEFT JOIN mysql('h', 'd', 't', 'u', 'p') AS m ON 1|mysql",
        "SELECT 1 WHERE 1 IN (SELECT * FROM file('a.csv'))|file",
        "SELECT x IN url('http://x', CSV, 'x UInt8') FROM t|url",
        "SELECT * FROM \"URL\"('http://x', CSV, 'x UInt8')|url",
        "SELECT * FROM my_new_table_function(1)|my_new_table_function",
        "SELECT * FROM format(JSONEachRow, '{}') AS f, a_function_of_tomorrow('x')|a_function_of_tomorrow",
        "DESCRIBE TABLE url('http://x', CSV)|url",
        "DESC cluster('c', system.one)|cluster",
        "INSERT INTO FUNCTION url('http://x', CSV, 'a UInt8') SELECT 1|url",
        "SELECT * FROM merge('system', '^proc')|merge",
        "FROM executable('x.sh', CSV, 'a UInt8') SELECT *|executable",
      })
  void refusesEveryOtherTableFunctionWhereverItStands(String sql, String function) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("table function " + function);
  }

  @Test
  void aTierMayAllowMoreTableFunctions() {
    QueryPolicy policy =
        policy(
            Map.of("allowed-table-functions[0]", "defaults", "allowed-table-functions[1]", "s3*"));

    assertThatCode(() -> policy.check("SELECT * FROM s3Cluster('c', 'http://x') , numbers(1)"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.check("SELECT * FROM url('http://x')"))
        .hasMessageContaining("url");
  }

  // --- System tables and statements ---

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT name, type FROM system.columns WHERE table = 'hits'",
        "SELECT * FROM system.tables, system.databases",
        "SELECT * FROM system.numbers LIMIT 3",
        "SHOW TABLES FROM default",
        "SHOW CREATE TABLE hits",
        "DESCRIBE TABLE hits",
        "EXISTS TABLE hits",
        "SELECT * FROM information_schema.columns",
      })
  void allowsTheCatalogue(String sql) {
    assertThatCode(() -> defaults.check(sql)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT query FROM system.processes|system.processes",
        "SELECT query FROM `system`.`processes`|system.processes",
        "SELECT query FROM \"SYSTEM\" . /* x */ \"PROCESSES\"|system.processes",
        "SELECT * FROM system.query_log WHERE 1|system.query_log",
        "SELECT * FROM numbers(1) WHERE 1 IN (SELECT 1 FROM system.users)|system.users",
        "SELECT * FROM system.a_table_of_tomorrow|system.a_table_of_tomorrow",
        "SHOW PROCESSLIST|system.processes",
        "SHOW GRANTS|system.grants",
        "SHOW CREATE USER default|system.users",
      })
  void refusesTheSystemTablesOfOtherQueriesUsersAndGrants(String sql, String table) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining(table);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "KILL QUERY WHERE query_id LIKE 'agp-%'",
        "(((KILL QUERY WHERE 1)))",
        "kill query sync where 1",
      })
  void killingAQueryNeedsSystemProcessesWhichHoldsEveryUsersQueries(String sql) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("system.processes");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "INSERT INTO t VALUES (1)",
        "SYSTEM DROP DNS CACHE",
        "SELEC 1",
        "CREATE TABLE t (x UInt8) ENGINE = Memory",
      })
  void leavesWritesAndTyposToClickHouse(String sql) {
    assertThatCode(() -> defaults.check(sql)).doesNotThrowAnyException();
  }

  @Test
  void refusesAShowThatItDoesNotKnow() {
    assertThatThrownBy(() -> defaults.check("SHOW SOMETHING NEW"))
        .hasMessageContaining("SHOW SOMETHING NEW");
  }

  @Test
  void aWriteTierStillKillsOnlyWhereItMayReadProcesses() {
    QueryPolicy writes = policy(Map.of("read-only", "false"));
    QueryPolicy admin = policy(Map.of("read-only", "false", "allowed-system-tables[0]", "*"));

    assertThatCode(() -> writes.check("INSERT INTO t VALUES (1)")).doesNotThrowAnyException();
    assertThatThrownBy(() -> writes.check("KILL QUERY WHERE 1"))
        .hasMessageContaining("system.processes");
    assertThatCode(() -> admin.check("KILL QUERY WHERE 1")).doesNotThrowAnyException();
    assertThatCode(() -> admin.check("SELECT * FROM system.processes")).doesNotThrowAnyException();
  }

  @Test
  void theSystemDatabaseIsNoPlaceToRunInUnlessEveryTableOfItIsAllowed() {
    assertThatThrownBy(() -> defaults.check("USE system")).hasMessageContaining("database system");
    assertThatThrownBy(() -> defaults.checkDatabase("database", "System"))
        .isInstanceOf(QueryRefusedException.class)
        .extracting(e -> ((QueryRefusedException) e).field())
        .isEqualTo("database");
    assertThatCode(() -> defaults.checkDatabase("database", "analytics"))
        .doesNotThrowAnyException();
    assertThatCode(() -> policy(Map.of("allowed-system-tables[0]", "*")).check("USE system"))
        .doesNotThrowAnyException();
  }

  // --- Texts that versions read differently ---

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT 1 AS $a, 2 AS b$ SETTINGS max_execution_time = 0 -- $a, 2 AS b$",
        "SELECT $x$ SETTINGS max_threads = 1 $x$",
        "SELECT $$a$$",
        "SELECT 1 /* /* */ */ SETTINGS max_threads = 1",
      })
  void refusesATextThatVersionsReadDifferently(String sql) {
    assertThatThrownBy(() -> defaults.check(sql))
        .isInstanceOf(QueryRefusedException.class)
        .hasMessageContaining("versions of ClickHouse read this SQL differently");
  }

  /**
   * Where one reading says every version reads a text alike, reading it as every version does finds
   * the same settings and targets and no disagreement: the one reading may stand for all.
   */
  @Test
  void oneReadingStandsForAllWhereItSaysTheyAgree() {
    String[] pieces = {
      "SELECT ",
      "1",
      " SETTINGS ",
      "max_threads",
      " = ",
      "2",
      ", ",
      "FROM ",
      "url(",
      "'x'",
      ")",
      " /* ",
      " */",
      "/*",
      "*/",
      "$",
      "$a$",
      "#",
      "# ",
      "\\",
      "\u2018",
      "\u2019",
      "\"",
      "`",
      "system",
      ".",
      "processes",
      " -- c\n",
      "\n",
      "(",
      " JOIN ",
      "numbers(",
      "KILL QUERY ",
      ";"
    };
    Random random = new Random(11);
    int alike = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(12);
      for (int j = 0; j < length; j++) {
        text.append(pieces[random.nextInt(pieces.length)]);
      }
      String sql = text.toString();
      if (!ClickHouseLexer.readsAlikeInEveryVersion(sql)) {
        continue;
      }
      alike++;
      ClickHouseLexer.Dialect[] one = {ClickHouseLexer.Dialect.FROM_25_8};
      assertThat(ClickHouseLexer.disagreement(sql)).as(sql).isEqualTo(-1);
      assertThat(QuerySettings.found(sql, one))
          .as(sql)
          .containsExactlyElementsOf(QuerySettings.found(sql, ClickHouseLexer.Dialect.values()));
      assertThat(QueryTargets.of(sql, one)).as(sql).isEqualTo(QueryTargets.of(sql));
    }
    assertThat(alike).isGreaterThan(1000);
  }

  private static QueryPolicy policy(Map<String, String> properties) {
    Map<String, String> tier = new HashMap<>(properties);
    return new QueryPolicy("t", TierPropertiesTest.tier(tier));
  }
}
