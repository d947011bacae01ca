package io.agp.tier;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a statement as ClickHouse's lexer reads it, one significant token at a time, skipping
 * whitespace and comments, without copying the text.
 *
 * <p>What matters here is where strings, quoted identifiers and comments begin and end: a lexer
 * that ends one of them elsewhere than ClickHouse does can be led to take live SQL for a comment.
 * Those rules follow ClickHouse's {@code Lexer.cpp} exactly, per {@link Dialect}. Elsewhere the
 * reading errs towards seeing more: a character that ClickHouse refuses as a token is skipped like
 * whitespace (the server refuses such a statement anyway), and a number glued to a word ({@code
 * 1SETTINGS}, a syntax error in ClickHouse) ends before the word.
 *
 * <p>ClickHouse works on UTF-8 bytes; {@link #asSent} makes the text what the server receives.
 */
final class ClickHouseLexer {

  /**
   * How a range of ClickHouse versions reads the constructs in which versions disagree. Where a
   * version refuses a character (an error token) its reading {@link #failed() fails}: that server
   * refuses the whole statement, so nothing after the character is live there.
   */
  enum Dialect {
    /**
     * Up to 20.9, 18.16 included: a block comment ends at the first <code>*&#47;</code>; {@code #},
     * {@code \}, {@code $} and typographic quotes are errors.
     */
    UP_TO_20_9,
    /**
     * 20.10 to 21.8: block comments nest and {@code $} is a letter of bare words ({@code $a$} is an
     * identifier); {@code # } and {@code #!} begin line comments; typographic quotes are errors.
     */
    FROM_20_10,
    /**
     * 21.9 to 25.7: {@code $tag$...$tag$} is a string whatever the tag holds but a {@code $}; from
     * 24.5, strings in ‘’ and identifiers in “” (earlier versions refuse those characters, so
     * reading them as 24.5 does is right for every version of the range).
     */
    FROM_21_9,
    /** 25.8 on: a heredoc's tag holds ASCII word characters only; {@code $a b$} is no tag. */
    FROM_25_8
  }

  enum Type {
    WORD,
    QUOTED,
    STRING,
    NUMBER,
    EQUALS,
    COMMA,
    DOT,
    SEMICOLON,
    OPEN,
    CLOSE,
    OTHER,
    END
  }

  private final String text;
  private final int length;
  private final Dialect dialect;
  private Heredocs heredocs;
  private boolean failed;
  private boolean versionSensitive;
  private int pos;
  private Type type;
  private int start;
  private int end;

  ClickHouseLexer(String text, Dialect dialect) {
    this.text = text;
    this.length = text.length();
    this.dialect = dialect;
  }

  /**
   * The text as ClickHouse receives it: {@code String.getBytes(UTF_8)} turns an unpaired surrogate
   * into {@code ?}, so two different ones become equal, which matters for heredoc tags.
   */
  static String asSent(String sql) {
    int n = sql.length();
    StringBuilder sent = null;
    for (int i = 0; i < n; i++) {
      char c = sql.charAt(i);
      boolean lone = false;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(sql.charAt(i + 1))) {
          if (sent != null) {
            sent.append(c).append(sql.charAt(i + 1));
          }
          i++;
          continue;
        }
        lone = true;
      } else if (Character.isLowSurrogate(c)) {
        lone = true;
      }
      if (lone && sent == null) {
        sent = new StringBuilder(n).append(sql, 0, i);
      }
      if (sent != null) {
        sent.append(lone ? '?' : c);
      }
    }
    return sent == null ? sql : sent.toString();
  }

  /**
   * Where two versions of ClickHouse that both accept the text read it differently, or -1 if they
   * agree: the offset of the first token on which the readings of two {@link Dialect dialects} that
   * do not {@link #failed() fail} differ. A dialect that fails is left out, since its servers
   * refuse the text whatever it holds.
   */
  static int disagreement(String text) {
    long[] agreed = null;
    int at = -1;
    for (Dialect dialect : Dialect.values()) {
      long[] tokens = new ClickHouseLexer(text, dialect).tokens();
      if (tokens == null) {
        continue;
      }
      if (agreed == null) {
        agreed = tokens;
        continue;
      }
      int differs = Arrays.mismatch(agreed, tokens);
      if (differs >= 0) {
        long token = differs < agreed.length ? agreed[differs] : tokens[differs];
        if (differs < agreed.length && differs < tokens.length) {
          token = Math.min(startOf(agreed[differs]), startOf(tokens[differs]));
        } else {
          token = startOf(token);
        }
        at = at < 0 ? (int) token : Math.min(at, (int) token);
      }
    }
    return at;
  }

  /**
   * Whether every version reads the text alike, as far as one reading can tell: it meets no {@code
   * $}, {@code #}, backslash or typographic quote outside strings, quoted names and comments, no
   * comment inside a comment, and no error. Then one reading stands for all, and there is no
   * disagreement to look for; else every dialect must be read.
   */
  static boolean readsAlikeInEveryVersion(String text) {
    ClickHouseLexer lexer = new ClickHouseLexer(text, Dialect.FROM_25_8);
    for (lexer.next(); lexer.type != Type.END; lexer.next()) {
      if (lexer.versionSensitive) {
        return false;
      }
    }
    return !lexer.versionSensitive && !lexer.failed;
  }

  /** Every token of the reading (type, start and end in one long), or null if it fails. */
  private long[] tokens() {
    long[] tokens = new long[16];
    int count = 0;
    for (next(); type != Type.END; next()) {
      if (count == tokens.length) {
        tokens = Arrays.copyOf(tokens, count * 2);
      }
      tokens[count++] = ((long) type.ordinal() << 60) | ((long) start << 30) | end;
    }
    return failed ? null : Arrays.copyOf(tokens, count);
  }

  private static long startOf(long token) {
    return (token >>> 30) & ((1L << 30) - 1);
  }

  /** Where the current token begins. */
  int start() {
    return start;
  }

  /** Where the current token ends. */
  int end() {
    return end;
  }

  /**
   * Whether the reading met a character the dialect's servers refuse (and ended there): those
   * servers refuse the statement.
   */
  boolean failed() {
    return failed;
  }

  char textAt(int index) {
    return text.charAt(index);
  }

  String text(int from, int to) {
    return text.substring(from, to);
  }

  boolean is(Type expected) {
    return type == expected;
  }

  boolean isOpen(char bracket) {
    return type == Type.OPEN && text.charAt(start) == bracket;
  }

  /** Whether the current token is the bare word {@code lowerCase}, in any case. */
  boolean isWord(String lowerCase) {
    return type == Type.WORD
        && end - start == lowerCase.length()
        && text.regionMatches(true, start, lowerCase, 0, lowerCase.length());
  }

  boolean isAnyWord(String[] lowerCase) {
    if (type != Type.WORD) {
      return false;
    }
    for (String word : lowerCase) {
      if (isWord(word)) {
        return true;
      }
    }
    return false;
  }

  /** Goes back (or forward) to the token that begins at {@code tokenStart}. */
  void moveTo(int tokenStart) {
    pos = tokenStart;
    next();
  }

  /** The name a bare word or quoted identifier stands for, lower-cased. */
  String name() {
    StringBuilder name = new StringBuilder(end - start);
    if (type == Type.WORD) {
      name.append(text, start, end);
    } else {
      appendIdentifier(name);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        name.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
    return name.toString();
  }

  private void appendIdentifier(StringBuilder name) {
    char open = text.charAt(start);
    if (open == '\u201C') {
      // Taken as written, without escapes (ClickHouse 24.5 on).
      int to = end > start + 1 && text.charAt(end - 1) == '\u201D' ? end - 1 : end;
      name.append(text, start + 1, to);
      return;
    }
    int to = end > start + 1 && text.charAt(end - 1) == open ? end - 1 : end;
    for (int i = start + 1; i < to; i++) {
      char c = text.charAt(i);
      if (c == open && i + 1 < to && text.charAt(i + 1) == open) {
        name.append(open);
        i++;
      } else if (c == '\\' && i + 1 < to) {
        i = appendEscape(name, i + 1, to);
      } else {
        name.append(c);
      }
    }
  }

  /**
   * Decodes the escape whose letter is at {@code at} the way ClickHouse's {@code
   * parseComplexEscapeSequence} does, and returns the index of its last character. {@code \xHH}
   * reads any two bytes, a non-hex one counting as 0xFF: {@code \x6g} is an underscore.
   */
  private int appendEscape(StringBuilder name, int at, int to) {
    char c = text.charAt(at);
    switch (c) {
      case 'x' -> {
        if (at + 2 < to && text.charAt(at + 1) < 0x80 && text.charAt(at + 2) < 0x80) {
          name.append(
              (char) ((hexDigit(text.charAt(at + 1)) * 16 + hexDigit(text.charAt(at + 2))) & 0xFF));
        } else {
          // Half of a multi-byte character, or the closing quote: no setting name has either.
          name.append('\uFFFD');
        }
        return Math.min(at + 2, to - 1);
      }
      case 'N' -> {
        return at;
      }
      default -> {
        // ClickHouse makes \n and the like control characters, and newer versions keep the
        // backslash before most other characters (18.16 drops it). Either way the name is one no
        // setting has; dropping the backslash reports the name whichever version runs.
        name.append(c);
        return at;
      }
    }
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return 0xFF;
  }

  /** Moves to the next significant token. */
  void next() {
    while (pos < length) {
      int p = pos;
      char c = text.charAt(p);
      switch (c) {
        case ' ', '\t', '\n', '\r', '\f', '\u000B' -> pos++;
        case '-' -> {
          if (charAt(p + 1) == '-') {
            pos = lineEnd(p + 2);
          } else {
            token(Type.OTHER, p, charAt(p + 1) == '>' ? p + 2 : p + 1);
            return;
          }
        }
        case '/' -> {
          char after = charAt(p + 1);
          if (after == '/') {
            pos = lineEnd(p + 2);
          } else if (after == '*') {
            pos = blockCommentEnd(p + 2);
          } else {
            token(Type.OTHER, p, p + 1);
            return;
          }
        }
        case '#', '\\', '$', '\u2018', '\u201C' -> {
          versionSensitive = true;
          if (dialect == Dialect.UP_TO_20_9
              || (dialect == Dialect.FROM_20_10 && (c == '\u2018' || c == '\u201C'))) {
            // Those servers refuse these characters, so nothing after one is live there.
            fail();
            return;
          }
          if (current(p, c)) {
            return;
          }
          if (failed) {
            return;
          }
        }
        case '\'' -> {
          token(Type.STRING, p, quotedEnd(p, '\''));
          return;
        }
        case '"', '`' -> {
          token(Type.QUOTED, p, quotedEnd(p, c));
          return;
        }
        case '(', '[', '{' -> {
          token(Type.OPEN, p, p + 1);
          return;
        }
        case ')', ']', '}' -> {
          token(Type.CLOSE, p, p + 1);
          return;
        }
        case ',' -> {
          token(Type.COMMA, p, p + 1);
          return;
        }
        case ';' -> {
          token(Type.SEMICOLON, p, p + 1);
          return;
        }
        case '.' -> {
          token(Type.DOT, p, p + 1);
          return;
        }
        case '=' -> {
          // '==' is one Equals token too: SETTINGS max_threads == 1 sets it.
          token(Type.EQUALS, p, charAt(p + 1) == '=' ? p + 2 : p + 1);
          return;
        }
        case '<' -> {
          char after = charAt(p + 1);
          int to =
              after == '=' ? (charAt(p + 2) == '>' ? p + 3 : p + 2) : after == '>' ? p + 2 : p + 1;
          token(Type.OTHER, p, to);
          return;
        }
        case '>' -> {
          token(Type.OTHER, p, charAt(p + 1) == '=' ? p + 2 : p + 1);
          return;
        }
        case '!' -> {
          if (charAt(p + 1) != '=') {
            // A lone '!' is an error token in every version.
            fail();
            return;
          }
          token(Type.OTHER, p, p + 2);
          return;
        }
        case ':', '|', '@' -> {
          token(Type.OTHER, p, charAt(p + 1) == c ? p + 2 : p + 1);
          return;
        }
        case '+', '*', '%', '?', '^' -> {
          token(Type.OTHER, p, p + 1);
          return;
        }
        default -> {
          if (c >= '0' && c <= '9') {
            token(Type.NUMBER, p, numberEnd(p));
            return;
          }
          if (isWordStart(c)) {
            token(Type.WORD, p, wordEnd(p + 1));
            return;
          }
          // Unicode whitespace, which newer versions skip, or an error token.
          pos = p + 1;
        }
      }
    }
    token(Type.END, length, length);
  }

  /**
   * A '#', '\\', '$' or typographic quote as 20.10 and later read it. Returns whether it began a
   * token; if not it was skipped (a comment, or an error token that makes ClickHouse refuse the
   * statement).
   */
  private boolean current(int p, char c) {
    char after = charAt(p + 1);
    switch (c) {
      case '#' -> {
        if (after == ' ' || after == '!') {
          pos = lineEnd(p + 1);
        } else {
          fail();
        }
        return false;
      }
      case '\\' -> {
        if (after == 'G') {
          token(Type.OTHER, p, p + 2);
          return true;
        }
        fail();
        return false;
      }
      case '$' -> {
        dollar(p);
        return true;
      }
      default -> {
        int close = text.indexOf(c == '\u2018' ? '\u2019' : '\u201D', p + 1);
        if (close < 0) {
          failed = true;
        }
        token(c == '\u2018' ? Type.STRING : Type.QUOTED, p, close < 0 ? length : close + 1);
        return true;
      }
    }
  }

  /** Ends the reading where the dialect's servers refuse a character. */
  private void fail() {
    failed = true;
    token(Type.END, length, length);
  }

  private void token(Type type, int start, int end) {
    this.type = type;
    this.start = start;
    this.end = end;
    this.pos = end;
  }

  private char charAt(int index) {
    return index < length ? text.charAt(index) : '\0';
  }

  private int lineEnd(int from) {
    int newline = text.indexOf('\n', from);
    return newline < 0 ? length : newline;
  }

  /**
   * The end of a block comment whose text starts at {@code from}; an unclosed one fails the
   * reading.
   */
  private int blockCommentEnd(int from) {
    if (dialect == Dialect.UP_TO_20_9) {
      int close = text.indexOf("*/", from);
      if (close < 0) {
        failed = true;
        return length;
      }
      return close + 2;
    }
    int depth = 1;
    int i = from;
    while (i + 1 < length) {
      char c = text.charAt(i);
      char after = text.charAt(i + 1);
      if (c == '/' && after == '*') {
        // A comment inside a comment: versions up to 20.9 end the outer one at the inner's end.
        versionSensitive = true;
        depth++;
        i += 2;
      } else if (c == '*' && after == '/') {
        i += 2;
        if (--depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    failed = true;
    return length;
  }

  /**
   * The end of a '...', "..." or `...`: a backslash escapes the next character, a doubled quote is
   * one.
   */
  private int quotedEnd(int open, char quote) {
    int i = open + 1;
    while (i < length) {
      char c = text.charAt(i);
      if (c == quote) {
        if (charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i += c == '\\' ? 2 : 1;
    }
    // Unclosed: an error token in every version.
    failed = true;
    return length;
  }

  private int numberEnd(int from) {
    int i = digitsEnd(from);
    if (charAt(i) == '.') {
      i = digitsEnd(i + 1);
    }
    char e = charAt(i);
    if (e == 'e' || e == 'E') {
      char sign = charAt(i + 1);
      i = digitsEnd(sign == '+' || sign == '-' ? i + 2 : i + 1);
    }
    // Whatever word characters follow start a token of their own, a superset of what ClickHouse
    // sees: it reads 1SETTINGS as one word or as an error.
    return Math.min(i, length);
  }

  private int digitsEnd(int from) {
    int i = from;
    while (i < length && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  private boolean isWordStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private int wordEnd(int from) {
    int i = from;
    boolean dollars = dialect != Dialect.UP_TO_20_9;
    while (i < length) {
      char c = text.charAt(i);
      if (!isWordChar(c) && !(dollars && c == '$')) {
        break;
      }
      if (c == '$') {
        versionSensitive = true;
      }
      i++;
    }
    return i;
  }

  /**
   * A heredoc {@code $tag$...$tag$}, a lone {@code $}, or a word that begins with one, as the
   * dialect reads them: before 21.9 {@code $} is a letter; then the tag is anything up to the next
   * {@code $}; from 25.8 only word characters.
   */
  private void dollar(int p) {
    if (dialect == Dialect.FROM_20_10) {
      token(Type.WORD, p, wordEnd(p + 1));
      return;
    }
    if (heredocs == null) {
      heredocs = new Heredocs(text, dialect == Dialect.FROM_25_8);
    }
    int close = heredocs.endOf(p);
    if (close >= 0) {
      token(Type.STRING, p, close);
    } else if (p + 1 >= length || !isWordChar(text.charAt(p + 1))) {
      token(Type.OTHER, p, p + 1);
    } else {
      token(Type.WORD, p, wordEnd(p + 1));
    }
  }

  /**
   * Where the heredoc that opens at each {@code $} ends. ClickHouse looks for the tag again in the
   * rest of the text at every {@code $} it reads, which takes quadratic time; here the {@code $}
   * signs are indexed once. A tag holds no {@code $}, so a later copy of it is always a stretch
   * between two consecutive signs with the same content as the tag's.
   */
  static final class Heredocs {

    private final int[] dollars;
    private final int[] closing;

    /**
     * @param wordTags whether a tag must consist of ASCII word characters (25.8 on) to open a
     *     heredoc
     */
    Heredocs(String text, boolean wordTags) {
      int count = 0;
      for (int i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
        count++;
      }
      dollars = new int[count];
      count = 0;
      for (int i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
        dollars[count++] = i;
      }
      // sameLater[k]: the next stretch after stretch k (from sign k to sign k + 1) with its
      // content.
      int stretches = Math.max(0, count - 1);
      int[] sameLater = new int[stretches];
      Map<String, Integer> lastSeen = new HashMap<>();
      for (int k = stretches - 1; k >= 0; k--) {
        String content = text.substring(dollars[k] + 1, dollars[k + 1]);
        Integer later = lastSeen.put(content, k);
        sameLater[k] = later == null ? -1 : later;
      }
      closing = new int[count];
      Arrays.fill(closing, -1);
      for (int k = 0; k < stretches; k++) {
        if (wordTags && !isWordTag(text, dollars[k] + 1, dollars[k + 1])) {
          continue;
        }
        int copy = sameLater[k];
        // The search starts after the tag's closing sign: a copy sharing that sign does not count.
        if (copy == k + 1) {
          copy = sameLater[copy];
        }
        if (copy >= 0) {
          closing[k] = dollars[copy + 1] + 1;
        }
      }
    }

    private static boolean isWordTag(String text, int from, int to) {
      for (int i = from; i < to; i++) {
        if (!isWordChar(text.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    /** The end of the heredoc that opens at the {@code $} at {@code position}, or -1. */
    int endOf(int position) {
      int k = Arrays.binarySearch(dollars, position);
      return k < 0 ? -1 : closing[k];
    }
  }
}
