package io.agp.tier;

import io.agp.tier.ClickHouseLexer.Dialect;
import io.agp.tier.ClickHouseLexer.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a statement reaches on the server beyond the tables it names in its databases: the table
 * functions it calls, the system tables it names, the databases it switches to and the kind of
 * statement it is. Read as every {@link Dialect} reads the text, so that what one version of
 * ClickHouse sees is never missed.
 *
 * <p>A table function is a call in a table's place: after {@code FROM}, {@code JOIN} or a comma of
 * a {@code FROM} list, after {@code INSERT INTO [TABLE] FUNCTION}, {@code DESCRIBE [TABLE]}, or
 * {@code CREATE TABLE ... AS}. Those places are found per bracket level, so that the {@code FROM}
 * of {@code extract(YEAR FROM d)} or {@code trim(BOTH ' ' FROM s)} is not one. A call of a name
 * that is only ever a table function ({@code url}, {@code remote}, {@code s3}, …) counts wherever
 * it stands, so a place this reading does not know (a new syntax, {@code IN}) still finds it; an
 * unknown table function in an unknown place is left to ClickHouse's own grants.
 *
 * <p>A system table is any name {@code system.x} (in any case and quoting), wherever it stands: in
 * a table's place, as the argument of a table function, or as a column's qualifier, which reports
 * more than ClickHouse reads but never less.
 */
final class QueryTargets {

  /**
   * Names that are table functions and nothing else in some version of ClickHouse (up to 25.x),
   * lower-cased: a call of one counts wherever it stands. Table functions that share their name
   * with an ordinary function ({@code format}) count only in a table's place.
   */
  static final Set<String> TABLE_FUNCTION_NAMES =
      Set.of(
          "arrowflight",
          "azureblobstorage",
          "azureblobstoragecluster",
          "catboostpool",
          "cluster",
          "clusterallreplicas",
          "cosn",
          "deltalake",
          "deltalakecluster",
          "deltalakelocal",
          "dictionary",
          "executable",
          "file",
          "filecluster",
          "fuzzjson",
          "fuzzquery",
          "gcs",
          "generate_series",
          "generaterandom",
          "generateseries",
          "hdfs",
          "hdfscluster",
          "hudi",
          "hudicluster",
          "iceberg",
          "icebergazure",
          "icebergazurecluster",
          "icebergcluster",
          "iceberghdfs",
          "iceberghdfscluster",
          "iceberglocal",
          "icebergs3",
          "icebergs3cluster",
          "input",
          "jdbc",
          "loop",
          "merge",
          "mergetreeindex",
          "mergetreeprojection",
          "mongodb",
          "mysql",
          "numbers",
          "numbers_mt",
          "odbc",
          "oss",
          "paimon",
          "postgresql",
          "prometheusquery",
          "prometheusqueryrange",
          "redis",
          "remote",
          "remotesecure",
          "s3",
          "s3cluster",
          "shardbyhash",
          "sqlite",
          "timeseriesdata",
          "timeseriesmetrics",
          "timeseriesselector",
          "timeseriestags",
          "url",
          "urlcluster",
          "view",
          "viewexplain",
          "viewifpermitted",
          "ytsaurus",
          "zeros",
          "zeros_mt");

  /** Words that end a FROM list at their bracket level. */
  private static final Set<String> CLAUSE_WORDS =
      Set.of(
          "except",
          "fetch",
          "format",
          "group",
          "having",
          "intersect",
          "into",
          "limit",
          "offset",
          "on",
          "order",
          "prewhere",
          "qualify",
          "settings",
          "union",
          "using",
          "where",
          "window");

  /** Statements whose next words say what they act on ({@code SHOW PROCESSLIST}). */
  private static final Set<String> COMPOUND_STATEMENTS = Set.of("show", "kill", "system");

  /** How many words after {@code SHOW}, {@code KILL} or {@code SYSTEM} name the statement. */
  private static final int STATEMENT_WORDS = 3;

  /**
   * What a statement reaches.
   *
   * @param tableFunctions the table functions it calls, lower-cased
   * @param systemTables the tables of database {@code system} it names, lower-cased
   * @param statements each statement's kind, lower-cased: its first word, and for {@code SHOW},
   *     {@code KILL} and {@code SYSTEM} up to three more ({@code show create user})
   * @param databases the databases a {@code USE} switches to, lower-cased
   */
  record Targets(
      Set<String> tableFunctions,
      Set<String> systemTables,
      Set<String> statements,
      Set<String> databases) {}

  private QueryTargets() {}

  /** What {@code text} (as sent, see {@link ClickHouseLexer#asSent}) reaches in any dialect. */
  static Targets of(String text) {
    return of(text, Dialect.values());
  }

  /** What {@code text} reaches as {@code dialects} read it. */
  static Targets of(String text, Dialect[] dialects) {
    Targets targets =
        new Targets(
            new LinkedHashSet<>(),
            new LinkedHashSet<>(),
            new LinkedHashSet<>(),
            new LinkedHashSet<>());
    for (Dialect dialect : dialects) {
      new Scan(new ClickHouseLexer(text, dialect), targets).run();
    }
    return new Targets(
        Set.copyOf(targets.tableFunctions()),
        Set.copyOf(targets.systemTables()),
        Set.copyOf(targets.statements()),
        Set.copyOf(targets.databases()));
  }

  /** Where a bracket level stands in reading a FROM list. */
  private enum Place {
    /** Not in a FROM list. */
    NONE,
    /** Where a table (or a table function) comes next. */
    TABLE,
    /** After a table of a FROM list: its alias, FINAL, SAMPLE, a comma or a join may follow. */
    AFTER_TABLE,
    /** In the expressions of an ARRAY JOIN, which name no table. */
    EXPRESSIONS
  }

  /** One bracket level. */
  private static final class Level {
    /** Whether a SELECT stands at this level: its FROM is a table's. */
    boolean query;

    /** Whether no token was read at this level yet. */
    boolean first = true;

    Place place = Place.NONE;
  }

  /** One reading of the statement. */
  private static final class Scan {

    private final ClickHouseLexer lexer;
    private final Targets targets;
    private final Deque<Level> outer = new ArrayDeque<>();
    private Level level = new Level();
    private String statement;
    private int statementWords;
    private String previous;

    Scan(ClickHouseLexer lexer, Targets targets) {
      this.lexer = lexer;
      this.targets = targets;
    }

    void run() {
      lexer.next();
      while (!lexer.is(Type.END)) {
        if (lexer.is(Type.SEMICOLON)) {
          endStatement();
          lexer.next();
          continue;
        }
        if (lexer.is(Type.OPEN)) {
          outer.push(level);
          level = new Level();
          previous = null;
          lexer.next();
          continue;
        }
        if (lexer.is(Type.CLOSE)) {
          if (!outer.isEmpty()) {
            level = outer.pop();
            level.first = false;
            if (level.place == Place.TABLE) {
              // A subquery or bracketed table stood in the table's place.
              level.place = Place.AFTER_TABLE;
            }
          }
          previous = null;
          lexer.next();
          continue;
        }
        if (lexer.is(Type.WORD) || lexer.is(Type.QUOTED)) {
          name();
          continue;
        }
        if (lexer.is(Type.COMMA) && level.place == Place.AFTER_TABLE) {
          level.place = Place.TABLE;
        }
        level.first = false;
        previous = null;
        lexer.next();
      }
    }

    private void endStatement() {
      outer.clear();
      level = new Level();
      statement = null;
      previous = null;
    }

    /** A bare word or quoted identifier, and what follows it when it is a name. */
    private void name() {
      boolean bare = lexer.is(Type.WORD);
      String word = lexer.name();
      boolean first = level.first;
      level.first = false;
      if (bare && describeStatement(word)) {
        return;
      }
      if (level.place == Place.TABLE && !(bare && isQueryWord(word))) {
        if (bare
            && word.equals("table")
            && ("describe".equals(previous) || "desc".equals(previous))) {
          previous = word;
          lexer.next();
          return;
        }
        String name = compoundName();
        level.place = Place.AFTER_TABLE;
        if (lexer.isOpen('(')) {
          targets.tableFunctions().add(name);
        }
        previous = null;
        return;
      }
      String name = compoundName();
      if (lexer.isOpen('(') && TABLE_FUNCTION_NAMES.contains(lastPart(name))) {
        targets.tableFunctions().add(lastPart(name));
      }
      if (bare && name.equals(word)) {
        keyword(word, first);
        previous = word;
      } else {
        previous = null;
      }
    }

    /**
     * Notes the statement's kind from its first words; returns whether the word was one of them and
     * has been read.
     */
    private boolean describeStatement(String word) {
      if (statement == null) {
        statement = word;
        statementWords = COMPOUND_STATEMENTS.contains(word) ? STATEMENT_WORDS : 0;
        targets.statements().add(statement);
        if (word.equals("describe") || word.equals("desc")) {
          level.place = Place.TABLE;
          previous = word;
          lexer.next();
          return true;
        }
        if (word.equals("use")) {
          lexer.next();
          if (lexer.is(Type.WORD) || lexer.is(Type.QUOTED)) {
            targets.databases().add(lexer.name());
          }
          return true;
        }
        if (statementWords == 0) {
          return false;
        }
        previous = word;
        lexer.next();
        return true;
      }
      if (statementWords > 0) {
        targets.statements().remove(statement);
        statement = statement + " " + word;
        statementWords--;
        targets.statements().add(statement);
        if (statementWords == 0 || word.equals("from") || word.equals("where")) {
          statementWords = 0;
          return false;
        }
        previous = word;
        lexer.next();
        return true;
      }
      return false;
    }

    /** SELECT and WITH begin a query even where a table was expected ({@code AS SELECT}). */
    private static boolean isQueryWord(String word) {
      return word.equals("select") || word.equals("with") || word.equals("from");
    }

    /** What a bare word does to the places of the level. */
    private void keyword(String word, boolean first) {
      switch (word) {
        case "select" -> {
          level.query = true;
          level.place = Place.NONE;
        }
        case "from" -> {
          if (level.query || first || "delete".equals(previous)) {
            level.place = Place.TABLE;
          }
        }
        case "join" -> level.place = "array".equals(previous) ? Place.EXPRESSIONS : Place.TABLE;
        case "function" -> {
          if ("into".equals(previous) || "table".equals(previous)) {
            level.place = Place.TABLE;
          }
        }
        case "as" -> {
          if (outer.isEmpty() && "create".equals(firstWord()) && !level.query) {
            level.place = Place.TABLE;
          }
        }
        default -> {
          if (CLAUSE_WORDS.contains(word)
              && (level.place == Place.AFTER_TABLE || level.place == Place.EXPRESSIONS)) {
            level.place = Place.NONE;
          }
        }
      }
    }

    private String firstWord() {
      if (statement == null) {
        return null;
      }
      int space = statement.indexOf(' ');
      return space < 0 ? statement : statement.substring(0, space);
    }

    /**
     * Reads a name, compound ({@code a.b.c}) or not, noting a system table it names; stops on what
     * follows it.
     */
    private String compoundName() {
      StringBuilder name = new StringBuilder(lexer.name());
      boolean system = name.toString().equals("system");
      lexer.next();
      while (lexer.is(Type.DOT)) {
        int dot = lexer.start();
        lexer.next();
        if (!lexer.is(Type.WORD) && !lexer.is(Type.QUOTED)) {
          lexer.moveTo(dot);
          break;
        }
        String part = lexer.name();
        if (system) {
          targets.systemTables().add(part);
          system = false;
        }
        name.append('.').append(part);
        lexer.next();
      }
      return name.toString().toLowerCase(Locale.ROOT);
    }

    private static String lastPart(String name) {
      int dot = name.lastIndexOf('.');
      return dot < 0 ? name : name.substring(dot + 1);
    }
  }
}
