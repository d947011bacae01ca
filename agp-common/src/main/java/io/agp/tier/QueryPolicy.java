package io.agp.tier;

import io.agp.tier.ClickHouseLexer.Dialect;
import io.agp.tier.QuerySettings.Setting;
import io.agp.tier.QueryTargets.Targets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a tier lets a query set and reach on ClickHouse, as allow-lists: the settings a query may
 * change (some only within bounds), the table functions it may call and the system tables it may
 * read. Everything else is refused before the query is queued or sent, so a setting, function or
 * system table that a new ClickHouse release adds is refused until a tier lists it.
 *
 * <p>What a statement does is left to ClickHouse: a read-only tier's {@code readonly} refuses
 * writes. But KILL, which {@code readonly} lets through, acts on system.processes (every user's
 * queries), so it needs that table allowed.
 *
 * <p>Every user of a tier reaches ClickHouse as the tier's one ClickHouse user, so these lists are
 * what keeps one user from reading another's SQL (system.processes), from reaching other servers
 * through ClickHouse (url, remote) and from lifting the tier's limits. ClickHouse's own access
 * control (settings constraints, grants, quotas; see deploy/clickhouse) is the lock behind them.
 *
 * <p>A SQL text that two versions of ClickHouse read differently (a heredoc, a {@code $} in a name,
 * a comment inside a comment) is refused as a whole: which reading applies depends on a server
 * version the API cannot know.
 */
public final class QueryPolicy {

  /** The entry of a list that stands for AGP's default list, so that a tier can add to it. */
  public static final String DEFAULTS = "defaults";

  /**
   * The settings a query may change unless a tier says otherwise. Each changes how the answer is
   * written or how the query's own data is joined and shown, never what the query may read or how
   * much of the server it may take; the few that bound cost may only be lowered below the tier's
   * own value ({@code <=tier}).
   */
  public static final List<String> DEFAULT_CHANGEABLE_SETTINGS =
      List.of(
          // How the answer is written: formats, quoting, time zones. Nothing of what is read.
          "date_time_output_format",
          "date_time_input_format",
          "session_timezone",
          "output_format_json_quote_64bit_integers",
          "output_format_json_quote_64bit_floats",
          "output_format_json_quote_denormals",
          "output_format_json_quote_decimals",
          "output_format_json_escape_forward_slashes",
          "output_format_json_named_tuples_as_objects",
          "output_format_json_array_of_rows",
          "output_format_json_validate_utf8",
          "output_format_write_statistics",
          "output_format_decimal_trailing_zeros",
          "output_format_csv_crlf_end_of_line",
          "output_format_tsv_crlf_end_of_line",
          "output_format_pretty_max_rows",
          "output_format_pretty_max_column_pad_width",
          "output_format_pretty_max_value_width",
          "output_format_pretty_color",
          "output_format_pretty_grid_charset",
          "output_format_pretty_row_numbers",
          "output_format_arrow_string_as_string",
          "output_format_parquet_string_as_string",
          "output_format_arrow_low_cardinality_as_dictionary",
          "format_csv_delimiter",
          "format_csv_allow_single_quotes",
          "format_csv_allow_double_quotes",
          "format_csv_null_representation",
          "format_tsv_null_representation",
          "input_format_null_as_default",
          "input_format_skip_unknown_fields",
          "input_format_import_nested_json",
          "input_format_allow_errors_num",
          "input_format_allow_errors_ratio",
          "extremes",
          // The meaning of the query's own SQL: joins, NULLs, aliases.
          "join_use_nulls",
          "join_default_strictness",
          "any_join_distinct_right_table_keys",
          "aggregate_functions_null_for_empty",
          "group_by_use_nulls",
          "cast_keep_nullable",
          "transform_null_in",
          "prefer_column_name_to_alias",
          "union_default_mode",
          "joined_subquery_requires_alias",
          "totals_mode",
          "date_time_overflow_behavior",
          // What the HTTP answer carries: compression, progress headers.
          "enable_http_compression",
          "http_zlib_compression_level",
          "send_progress_in_http_headers",
          "http_headers_progress_interval_ms",
          "wait_end_of_query",
          "cancel_http_readonly_queries_on_client_close",
          // A note of the caller's in query_log.
          "log_comment",
          // Limits a query may only tighten below the tier's own value.
          "max_threads<=tier",
          "max_memory_usage<=tier",
          "max_result_rows<=tier",
          "max_result_bytes<=tier",
          "max_rows_to_read<=tier",
          "max_bytes_to_read<=tier",
          "max_rows_to_group_by<=tier",
          // The rows a block holds: lower means less memory per block, slower queries.
          "max_block_size<=65536");

  /** The table functions a query may call unless a tier says otherwise: none reads or writes. */
  public static final List<String> DEFAULT_TABLE_FUNCTIONS =
      List.of(
          "numbers",
          "numbers_mt",
          "zeros",
          "zeros_mt",
          "values",
          "generateRandom",
          "generate_series",
          "generateSeries",
          "null",
          "format",
          "input",
          "view");

  /**
   * The system tables a query may read unless a tier says otherwise: the catalogue (databases,
   * tables, columns, functions, formats, settings...), nothing of other queries, users or grants.
   */
  public static final List<String> DEFAULT_SYSTEM_TABLES =
      List.of(
          "one",
          "numbers",
          "numbers_mt",
          "zeros",
          "zeros_mt",
          "databases",
          "tables",
          "columns",
          "data_skipping_indices",
          "functions",
          "table_functions",
          "table_engines",
          "formats",
          "data_type_families",
          "aggregate_function_combinators",
          "collations",
          "time_zones",
          "settings",
          "merge_tree_settings",
          "build_options",
          "keywords",
          "contributors",
          "licenses");

  /** The statements of a read-only tier: those that read, and SET and USE. */
  static final Set<String> READ_STATEMENTS =
      Set.of(
          "select", "with", "from", "explain", "describe", "desc", "show", "exists", "set", "use");

  /** The system table each SHOW statement reads, by the words after SHOW. */
  private static final Map<String, String> SHOWN = shown();

  /** Words between SHOW and what it shows that change nothing of what it reads. */
  private static final Set<String> SHOW_MODIFIERS = Set.of("full", "extended", "temporary");

  private static final Pattern BOUNDED = Pattern.compile("\\s*([^<\\s]+)\\s*<=\\s*(\\S+)\\s*");
  private static final Pattern WHOLE_NUMBER = Pattern.compile("\\+?[0-9]{1,18}");

  private static final int SNIPPET = 24;

  private static final Dialect[] ONE_READING = {Dialect.FROM_25_8};

  private final String tierName;
  private final Map<String, String> tierSettings;
  private final Set<String> floor;
  private final Set<String> locked;
  private final List<Changeable> changeable;
  private final List<String> tableFunctions;
  private final List<String> systemTables;
  private final Set<String> tableFunctionPatterns;
  private final Set<String> systemTablePatterns;

  /**
   * A setting a query may change.
   *
   * @param pattern a name, or a pattern with {@code *} at either end
   * @param max the largest value a query may give, or null for any value; with {@code tier}, the
   *     tier's own value
   * @param tierBound whether the bound is the tier's own value
   */
  private record Changeable(String pattern, Long max, boolean tierBound) {

    boolean exact() {
      return !pattern.startsWith("*") && !pattern.endsWith("*");
    }
  }

  /**
   * @throws IllegalArgumentException when a list holds an entry that cannot be read, or lets a
   *     query change a setting that no tier may open
   */
  public QueryPolicy(String tierName, TierProperties tier) {
    this.tierName = tierName;
    this.tierSettings = new LinkedHashMap<>();
    tier.settings().forEach((name, value) -> tierSettings.put(lower(name), value));
    this.floor = TierProperties.ALWAYS_LOCKED;
    this.locked = new TreeSet<>(floor);
    tier.lockedSettings().forEach(entry -> locked.add(lower(entry.strip())));
    this.changeable = new ArrayList<>();
    for (String entry : withDefaults(tier.changeableSettings(), DEFAULT_CHANGEABLE_SETTINGS)) {
      changeable.add(changeable(entry));
    }
    this.tableFunctions =
        lowered(withDefaults(tier.allowedTableFunctions(), DEFAULT_TABLE_FUNCTIONS));
    this.systemTables = lowered(withDefaults(tier.allowedSystemTables(), DEFAULT_SYSTEM_TABLES));
    this.tableFunctionPatterns = Set.copyOf(tableFunctions);
    this.systemTablePatterns = Set.copyOf(systemTables);
  }

  private Changeable changeable(String entry) {
    Matcher bounded = BOUNDED.matcher(entry);
    Changeable item;
    if (bounded.matches()) {
      String bound = bounded.group(2);
      if (bound.equalsIgnoreCase("tier")) {
        item = new Changeable(lower(bounded.group(1)), null, true);
      } else if (WHOLE_NUMBER.matcher(bound).matches()) {
        item = new Changeable(lower(bounded.group(1)), Long.parseLong(bound), false);
      } else {
        throw new IllegalArgumentException(
            "tier "
                + tierName
                + ": changeable-settings entry '"
                + entry
                + "' has a bound that is neither a whole number nor 'tier'");
      }
    } else {
      String name = lower(entry.strip());
      if (name.isEmpty() || name.contains("<") || name.contains("=")) {
        throw new IllegalArgumentException(
            "tier "
                + tierName
                + ": changeable-settings entry '"
                + entry
                + "' is neither a name, a pattern nor name<=bound");
      }
      item = new Changeable(name, null, false);
    }
    if (item.exact() && QuerySettings.isLocked(item.pattern(), floor)) {
      throw new IllegalArgumentException(
          "tier "
              + tierName
              + ": changeable-settings lists "
              + item.pattern()
              + ", which no query may change (it is locked)");
    }
    return item;
  }

  /**
   * Refuses a query whose SQL sets or reaches what the tier does not allow, or that versions of
   * ClickHouse read differently.
   *
   * @throws QueryRefusedException naming what is refused, with field {@code sql}
   */
  public void check(String sql) {
    if (sql == null || sql.isEmpty()) {
      return;
    }
    String text = ClickHouseLexer.asSent(sql);
    // Most statements hold nothing versions read differently: one reading then stands for all.
    boolean alike = ClickHouseLexer.readsAlikeInEveryVersion(text);
    Dialect[] dialects = alike ? ONE_READING : Dialect.values();
    int differs = alike ? -1 : ClickHouseLexer.disagreement(text);
    if (differs >= 0) {
      throw new QueryRefusedException(
          "sql",
          "versions of ClickHouse read this SQL differently from character "
              + (differs + 1)
              + " ("
              + snippet(text, differs)
              + "): a heredoc ($tag$...$tag$), a $ in a name or a comment inside a comment; write"
              + " it in a way every version reads alike (a '...' string, a `quoted` name)");
    }
    for (Setting setting : QuerySettings.found(text, dialects)) {
      checkSetting("sql", setting.name(), setting.value());
    }
    Targets targets = QueryTargets.of(text, dialects);
    for (String function : targets.tableFunctions()) {
      if (!QuerySettings.isLocked(function, tableFunctionPatterns)) {
        throw new QueryRefusedException(
            "sql",
            "the query calls the table function "
                + function
                + ", which tier "
                + tierName
                + " does not let a query call (its allowed-table-functions: "
                + String.join(", ", tableFunctions)
                + ")");
      }
    }
    for (String table : targets.systemTables()) {
      checkSystemTable(table);
    }
    for (String statement : targets.statements()) {
      for (String table : statementReads(statement)) {
        checkSystemTable(table);
      }
    }
    for (String database : targets.databases()) {
      checkDatabase("sql", database);
    }
  }

  /**
   * Refuses a setting given as a URL parameter of the ClickHouse proxy (or any other way than in
   * the SQL) that the tier does not let a query change, or gives a value out of its bounds.
   *
   * @throws QueryRefusedException with the parameter's name as field
   */
  public void checkSetting(String name, String value) {
    checkSetting(name, lower(name), value);
  }

  /**
   * Refuses a database a query would run in when it holds system tables the tier does not allow
   * (every name there would be a system table).
   *
   * @throws QueryRefusedException with {@code field} as field
   */
  public void checkDatabase(String field, String database) {
    if (database != null
        && lower(database.strip()).equals("system")
        && !systemTables.contains("*")) {
      throw new QueryRefusedException(
          field,
          "tier "
              + tierName
              + " does not let a query run in database system; name the system tables it allows"
              + " as system.<table>");
    }
  }

  private void checkSetting(String field, String name, String value) {
    if (QuerySettings.isLocked(name, locked)) {
      throw new QueryRefusedException(
          field,
          "the query sets "
              + name
              + ", which tier "
              + tierName
              + " does not let a query change; leave it out");
    }
    Changeable allowed = null;
    for (Changeable item : changeable) {
      if (item.exact() && item.pattern().equals(name)) {
        allowed = item;
        break;
      }
    }
    if (allowed == null && !tierSettings.containsKey(name)) {
      // A pattern never opens a setting the tier sets itself: only its own name does.
      for (Changeable item : changeable) {
        if (QuerySettings.isLocked(name, Set.of(item.pattern()))) {
          allowed = item;
          break;
        }
      }
    }
    if (allowed == null) {
      throw new QueryRefusedException(
          field,
          "the query sets "
              + name
              + ", which is not among the settings tier "
              + tierName
              + " lets a query change (its changeable-settings); leave it out");
    }
    if (allowed.tierBound() || allowed.max() != null) {
      checkBound(field, name, value, allowed);
    }
  }

  private void checkBound(String field, String name, String value, Changeable allowed) {
    long max;
    if (allowed.tierBound()) {
      String own = tierSettings.get(name);
      if (own == null || !WHOLE_NUMBER.matcher(own.strip()).matches()) {
        throw new QueryRefusedException(
            field,
            "the query sets "
                + name
                + ", which a query of tier "
                + tierName
                + " may only lower below the tier's own value, and the tier sets none; leave it"
                + " out");
      }
      max = Long.parseLong(own.strip());
    } else {
      max = allowed.max();
    }
    long given = wholeNumber(value);
    if (given < 1 || given > max) {
      throw new QueryRefusedException(
          field,
          "the query sets "
              + name
              + " to "
              + (value == null ? "an expression" : value)
              + "; tier "
              + tierName
              + " lets a query set it to a whole number from 1 to "
              + max);
    }
  }

  /** The value as a whole number, or -1 when it is not one (an expression, 'auto', 1e3...). */
  private static long wholeNumber(String value) {
    if (value == null) {
      return -1;
    }
    String text = value.strip();
    if (text.length() >= 2 && text.startsWith("'") && text.endsWith("'")) {
      text = text.substring(1, text.length() - 1);
    }
    return WHOLE_NUMBER.matcher(text).matches() ? Long.parseLong(text) : -1;
  }

  private void checkSystemTable(String table) {
    if (!QuerySettings.isLocked(table, systemTablePatterns)) {
      throw new QueryRefusedException(
          "sql",
          "the query reads system."
              + table
              + ", which tier "
              + tierName
              + " does not let a query read (its allowed-system-tables: "
              + String.join(", ", systemTables)
              + ")");
    }
  }

  /**
   * The system tables a statement reads by its kind: SHOW reads the catalogue or the access tables,
   * KILL acts on system.processes or system.mutations (which readonly does not stop, and which
   * holds every user's queries of the tier). Writes on a read-only tier are ClickHouse's to refuse
   * ({@code readonly}); a SHOW or KILL form this list does not know is refused.
   */
  private Set<String> statementReads(String statement) {
    String[] words = statement.split(" ");
    switch (words[0]) {
      case "show" -> {
        int i = 1;
        while (i < words.length && SHOW_MODIFIERS.contains(words[i])) {
          i++;
        }
        String shown = i < words.length ? words[i] : "";
        String table =
            i + 1 < words.length && SHOWN.containsKey(shown + " " + words[i + 1])
                ? SHOWN.get(shown + " " + words[i + 1])
                : SHOWN.get(shown);
        if (table == null) {
          throw new QueryRefusedException(
              "sql",
              "tier "
                  + tierName
                  + " does not let a query run "
                  + statement.toUpperCase(Locale.ROOT)
                  + "; SHOW TABLES, DATABASES, COLUMNS, CREATE TABLE and the like read only the"
                  + " catalogue");
        }
        return Set.of(table);
      }
      case "kill" -> {
        String what = words.length > 1 ? words[1] : "";
        if (what.equals("query")) {
          return Set.of("processes");
        }
        if (what.equals("mutation")) {
          return Set.of("mutations");
        }
        throw new QueryRefusedException(
            "sql",
            "tier " + tierName + " does not let a query run " + statement.toUpperCase(Locale.ROOT));
      }
      default -> {
        return Set.of();
      }
    }
  }

  private static Map<String, String> shown() {
    Map<String, String> shown = new LinkedHashMap<>();
    shown.put("tables", "tables");
    shown.put("databases", "databases");
    shown.put("columns", "columns");
    shown.put("fields", "columns");
    shown.put("index", "data_skipping_indices");
    shown.put("indexes", "data_skipping_indices");
    shown.put("indices", "data_skipping_indices");
    shown.put("keys", "data_skipping_indices");
    shown.put("dictionaries", "dictionaries");
    shown.put("functions", "functions");
    shown.put("engines", "table_engines");
    shown.put("settings", "settings");
    shown.put("setting", "settings");
    shown.put("changed", "settings");
    shown.put("create", "tables");
    shown.put("create table", "tables");
    shown.put("create view", "tables");
    shown.put("create dictionary", "dictionaries");
    shown.put("create database", "databases");
    shown.put("create user", "users");
    shown.put("create role", "roles");
    shown.put("create quota", "quotas");
    shown.put("create settings", "settings_profiles");
    shown.put("create profile", "settings_profiles");
    shown.put("create row", "row_policies");
    shown.put("create policy", "row_policies");
    shown.put("processlist", "processes");
    shown.put("users", "users");
    shown.put("roles", "roles");
    shown.put("current", "roles");
    shown.put("enabled", "roles");
    shown.put("grants", "grants");
    shown.put("access", "grants");
    shown.put("privileges", "privileges");
    shown.put("quota", "quotas");
    shown.put("quotas", "quotas");
    shown.put("profiles", "settings_profiles");
    shown.put("settings profiles", "settings_profiles");
    shown.put("policies", "row_policies");
    shown.put("row", "row_policies");
    shown.put("clusters", "clusters");
    shown.put("cluster", "clusters");
    shown.put("merges", "merges");
    shown.put("filesystem", "filesystem_cache");
    return Map.copyOf(shown);
  }

  private static List<String> withDefaults(List<String> entries, List<String> defaults) {
    if (entries == null) {
      return defaults;
    }
    List<String> expanded = new ArrayList<>();
    for (String entry : entries) {
      if (entry == null || entry.isBlank()) {
        continue;
      }
      if (entry.strip().equalsIgnoreCase(DEFAULTS)) {
        expanded.addAll(defaults);
      } else {
        expanded.add(entry.strip());
      }
    }
    return expanded;
  }

  private static List<String> lowered(List<String> entries) {
    return entries.stream().map(QueryPolicy::lower).distinct().toList();
  }

  private static String lower(String text) {
    return text.toLowerCase(Locale.ROOT);
  }

  private static String snippet(String text, int at) {
    int end = Math.min(text.length(), at + SNIPPET);
    String part = text.substring(at, end).replaceAll("\\s+", " ");
    return "'" + part + (end < text.length() ? "..." : "") + "'";
  }

  /** The tier's changeable settings, as configured with the defaults expanded (for the docs). */
  public List<String> changeableSettings() {
    return changeable.stream()
        .map(
            item ->
                item.tierBound()
                    ? item.pattern() + "<=tier"
                    : item.max() != null ? item.pattern() + "<=" + item.max() : item.pattern())
        .toList();
  }

  public List<String> allowedTableFunctions() {
    return tableFunctions;
  }

  public List<String> allowedSystemTables() {
    return systemTables;
  }
}
