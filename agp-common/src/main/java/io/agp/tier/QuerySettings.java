package io.agp.tier;

import io.agp.tier.ClickHouseLexer.Dialect;
import io.agp.tier.ClickHouseLexer.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ClickHouse settings a statement sets itself, found so that a tier can refuse a query that
 * would lift one of its locked limits ({@code SELECT ... SETTINGS max_execution_time = 0}).
 *
 * <p>A statement sets a setting in a {@code SETTINGS name = value, ...} clause, wherever it stands
 * (subquery, {@code INSERT}, {@code CREATE TABLE}, {@code CREATE USER}, a dictionary's {@code
 * SETTINGS(...)}), or by being a {@code SET name = value, ...} statement. The statement is read
 * token by token with ClickHouse's own rules for strings, quoted identifiers and comments ({@link
 * ClickHouseLexer}), once as servers up to 20.9 read it and once as later ones do, and the names
 * found in either reading are reported: the two disagree on nested block comments, {@code #}
 * comments, heredocs and typographic quotes, and a name hidden from one reading but live in the
 * other must not slip through.
 *
 * <p>A missed setting is a hole and a false one only an annoyance, so the reading leans to
 * reporting: a word {@code SETTINGS} counts as the keyword whenever a name and {@code =} follow it.
 * Newer servers accept a name without a value ({@code SETTINGS some_flag, max_threads = 8}, {@code
 * SET some_flag}) and settings-profile elements without {@code =} ({@code SETTINGS max_memory_usage
 * MAX 10, PROFILE 'unlimited'}); those are reported too unless the word before {@code SETTINGS}
 * shows it is a name ({@code system.settings}, {@code AS settings}, {@code FROM settings}), so that
 * a column or table called settings does not trip the check.
 */
public final class QuerySettings {

  /**
   * Words after which SETTINGS is a column, a table, an alias or the object of {@code CREATE
   * SETTINGS PROFILE}, never the clause.
   */
  private static final String[] NAMING_WORDS = {
    "alter",
    "as",
    "attach",
    "by",
    "column",
    "create",
    "distinct",
    "drop",
    "from",
    "into",
    "join",
    "replace",
    "select",
    "show",
    "table"
  };

  /** Words that end a settings list (after the first token of a value). */
  private static final String[] LIST_END_WORDS = {
    "as",
    "comment",
    "except",
    "format",
    "intersect",
    "into",
    "parallel",
    "select",
    "settings",
    "to",
    "union",
    "values",
    "with"
  };

  /** Constraints of a settings-profile element, which may stand in place of {@code = value}. */
  private static final String[] CONSTRAINT_WORDS = {
    "changeable_in_readonly", "const", "max", "min", "readonly", "writable"
  };

  private QuerySettings() {}

  /**
   * One setting a statement sets.
   *
   * @param name the setting's name, lower-cased
   * @param value the value's text when it is one literal ({@code 8}, {@code '8'}, {@code -1}), else
   *     null: an expression, a profile element or no value at all
   */
  public record Setting(String name, String value) {}

  /**
   * The names of the ClickHouse settings a statement sets itself, lower-cased, in order of
   * appearance, without duplicates.
   */
  public static List<String> named(String sql) {
    Set<String> names = new LinkedHashSet<>();
    for (Setting setting : found(sql)) {
      names.add(setting.name());
    }
    return List.copyOf(names);
  }

  /**
   * The settings a statement sets itself, with their values, in order of appearance, as any version
   * of ClickHouse may read them; each name and value once.
   */
  public static List<Setting> found(String sql) {
    if (sql == null || sql.isEmpty()) {
      return List.of();
    }
    return found(ClickHouseLexer.asSent(sql), Dialect.values());
  }

  /** The settings that the readings of {@code text} (as sent) in {@code dialects} find. */
  static List<Setting> found(String text, Dialect[] dialects) {
    List<Found> found = new ArrayList<>();
    for (Dialect dialect : dialects) {
      new Scan(new ClickHouseLexer(text, dialect), found).run();
    }
    found.sort(Comparator.comparingInt(Found::offset));
    Set<Setting> settings = new LinkedHashSet<>();
    for (Found f : found) {
      settings.add(new Setting(f.name(), f.value()));
    }
    return List.copyOf(settings);
  }

  /**
   * Whether a setting is among {@code locked}, compared lower-case. An entry ending in {@code *} is
   * a prefix ({@code max_*}), one starting with {@code *} a suffix ({@code *_overflow_mode}), one
   * with both a part ({@code *memory*}).
   */
  public static boolean isLocked(String name, Set<String> locked) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String entry : locked) {
      if (entry != null && !entry.isEmpty() && matches(lower, entry.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(String name, String pattern) {
    boolean prefix = pattern.endsWith("*");
    boolean suffix = pattern.startsWith("*");
    if (prefix && suffix) {
      return pattern.length() <= 2 || name.contains(pattern.substring(1, pattern.length() - 1));
    }
    if (prefix) {
      return name.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    if (suffix) {
      return name.endsWith(pattern.substring(1));
    }
    return name.equals(pattern);
  }

  private record Found(int offset, String name, String value) {}

  /** One reading of the statement. */
  private static final class Scan {

    private final ClickHouseLexer lexer;
    private final List<Found> found;

    /** The index in {@code found} of the item the last {@link #readItem} reported, or -1. */
    private int reported = -1;

    Scan(ClickHouseLexer lexer, List<Found> found) {
      this.lexer = lexer;
      this.found = found;
    }

    void run() {
      lexer.next();
      boolean statementStart = true;
      // Whether the token before the current one lets SETTINGS be the keyword without a '='.
      boolean keywordPlace = true;
      while (!lexer.is(Type.END)) {
        if (statementStart && lexer.isWord("set")) {
          lexer.next();
          readSet();
          statementStart = false;
          keywordPlace = true;
          continue;
        }
        statementStart = false;
        if (lexer.is(Type.SEMICOLON)) {
          // A second statement is refused over HTTP, but a SET there costs nothing to report.
          statementStart = true;
          keywordPlace = true;
          lexer.next();
          continue;
        }
        if (lexer.isWord("settings")) {
          lexer.next();
          // Without a list the lexer is back on the token after SETTINGS, which may be the keyword.
          readList(keywordPlace);
          keywordPlace = true;
          continue;
        }
        keywordPlace =
            !(lexer.is(Type.DOT)
                || lexer.is(Type.COMMA)
                || lexer.is(Type.OPEN)
                || lexer.isAnyWord(NAMING_WORDS));
        lexer.next();
      }
    }

    /** After SET at the start of a statement. */
    private void readSet() {
      if (lexer.isWord("time")) {
        int time = lexer.start();
        lexer.next();
        if (lexer.isWord("zone")) {
          // SET TIME ZONE 'UTC' (25.x) sets session_timezone.
          found.add(new Found(time, "session_timezone", null));
          lexer.next();
          return;
        }
        lexer.moveTo(time);
      }
      readList(true);
    }

    /**
     * Reads a settings list from the current token, which follows SETTINGS or SET, reporting its
     * names. Returns whether there was one; if not, the lexer is back where it started. If so, it
     * stands on the first token after the list.
     */
    private boolean readList(boolean bareNameAllowed) {
      int listStart = lexer.start();
      if (lexer.isOpen('(')) {
        // CREATE DICTIONARY ... SETTINGS(format_csv_allow_single_quotes = 0)
        lexer.next();
      }
      if (!readItem(bareNameAllowed)) {
        lexer.moveTo(listStart);
        return false;
      }
      while (true) {
        readValue();
        if (!lexer.is(Type.COMMA)) {
          return true;
        }
        lexer.next();
        int itemStart = lexer.start();
        if (!readItem(true)) {
          lexer.moveTo(itemStart);
          return true;
        }
      }
    }

    /**
     * Reads one item's name, reporting it, and stops on what follows the name. {@code name =}
     * always counts; a name followed by what can end an item only if {@code bareNameAllowed}.
     */
    private boolean readItem(boolean bareNameAllowed) {
      reported = -1;
      int nameStart = lexer.start();
      String name = readName();
      if (name == null) {
        return false;
      }
      if (lexer.is(Type.EQUALS)) {
        report(nameStart, name);
        return true;
      }
      if (!bareNameAllowed) {
        return false;
      }
      if ((name.equals("profile") || name.equals("inherit"))
          && (lexer.is(Type.STRING) || lexer.is(Type.WORD) || lexer.is(Type.QUOTED))) {
        // A settings profile's element PROFILE 'name' (or INHERIT 'name') brings in that
        // profile's settings.
        report(nameStart, "profile");
        return true;
      }
      if (lexer.is(Type.COMMA)
          || lexer.is(Type.SEMICOLON)
          || lexer.is(Type.END)
          || lexer.is(Type.CLOSE)
          || lexer.isAnyWord(LIST_END_WORDS)
          || lexer.isAnyWord(CONSTRAINT_WORDS)) {
        report(nameStart, name);
        return true;
      }
      return false;
    }

    /** A name, compound ({@code a.b}) or not; null, with the lexer where it was, if none. */
    private String readName() {
      if (!lexer.is(Type.WORD) && !lexer.is(Type.QUOTED)) {
        return null;
      }
      StringBuilder name = new StringBuilder(lexer.name());
      lexer.next();
      while (lexer.is(Type.DOT)) {
        int dot = lexer.start();
        lexer.next();
        if (!lexer.is(Type.WORD) && !lexer.is(Type.QUOTED)) {
          lexer.moveTo(dot);
          break;
        }
        name.append('.').append(lexer.name());
        lexer.next();
      }
      return name.toString();
    }

    /**
     * Reads the value of the item just reported, when it is one literal, and skips whatever else
     * belongs to the item (see {@link #skipValue}).
     */
    private void readValue() {
      if (!lexer.is(Type.EQUALS) || reported < 0) {
        skipValue();
        return;
      }
      lexer.next();
      int valueStart = lexer.start();
      if (lexer.is(Type.OTHER)
          && lexer.end() == valueStart + 1
          && lexer.textAt(valueStart) == '-') {
        lexer.next();
      }
      if (lexer.is(Type.NUMBER) || lexer.is(Type.STRING)) {
        int valueEnd = lexer.end();
        lexer.next();
        if (endsItem()) {
          Found item = found.get(reported);
          found.set(
              reported, new Found(item.offset(), item.name(), lexer.text(valueStart, valueEnd)));
          return;
        }
      }
      lexer.moveTo(valueStart);
      if (skipToken()) {
        skipValue();
      }
    }

    private boolean endsItem() {
      return lexer.is(Type.COMMA)
          || lexer.is(Type.SEMICOLON)
          || lexer.is(Type.END)
          || lexer.is(Type.CLOSE)
          || lexer.isAnyWord(LIST_END_WORDS);
    }

    /**
     * Skips the value and whatever else belongs to the current item, stopping on the comma that
     * continues the list or on what ends it. The value's first token is skipped whatever it is;
     * after it a list-ending word, a closing bracket or another SETTINGS ends the list, so that any
     * SETTINGS still gets read as a clause of its own.
     */
    private void skipValue() {
      if (lexer.is(Type.EQUALS)) {
        lexer.next();
        if (!skipToken()) {
          return;
        }
      }
      while (!lexer.is(Type.COMMA)
          && !lexer.is(Type.SEMICOLON)
          && !lexer.is(Type.END)
          && !lexer.is(Type.CLOSE)
          && !lexer.isAnyWord(LIST_END_WORDS)) {
        if (!skipToken()) {
          return;
        }
      }
    }

    /**
     * Skips one token, or a bracketed group as a whole. Returns false, leaving the lexer on it, at
     * a SETTINGS inside a group or at the end of the text.
     */
    private boolean skipToken() {
      if (!lexer.is(Type.OPEN)) {
        if (lexer.is(Type.END)) {
          return false;
        }
        lexer.next();
        return true;
      }
      int depth = 0;
      do {
        if (lexer.is(Type.OPEN)) {
          depth++;
        } else if (lexer.is(Type.CLOSE)) {
          depth--;
        } else if (lexer.is(Type.END) || lexer.isWord("settings")) {
          return false;
        }
        lexer.next();
      } while (depth > 0);
      return true;
    }

    private void report(int offset, String name) {
      if (!name.isEmpty()) {
        reported = found.size();
        found.add(new Found(offset, name, null));
      }
    }
  }
}
