package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.tier.ClickHouseLexer.Dialect;
import io.agp.tier.ClickHouseLexer.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How each range of ClickHouse versions reads heredocs, dollars, comments and quotes, and where two
 * of them read one text differently. The heredoc cases are those of ClickHouse's own test {@code
 * 01948_heredoc.sql}; the rules are those of its {@code Lexer.cpp} before 20.10, from 20.10, from
 * 21.9 (heredocs, pull request 26671) and from 25.8 (tags of word characters only, pull request
 * 84846).
 */
class ClickHouseLexerTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT $$$$",
        "SELECT $$VALUE$$",
        "SELECT $doc$$doc$",
        "SELECT $doc$VALUE$doc$",
        "SELECT $doc$'VALUE'$doc$",
        "SELECT $doc$$do$ $ doc$ $doc $ $doco$$doc$",
        "SELECT $doc$ТЕСТ$doc$",
      })
  void readsTheHeredocsOfClickHousesTestAsOneString(String sql) {
    for (Dialect dialect : new Dialect[] {Dialect.FROM_21_9, Dialect.FROM_25_8}) {
      assertThat(tokens(sql, dialect)).as("%s", dialect).containsExactly("WORD SELECT", "STRING");
    }
  }

  @Test
  void aTagOfOtherThanWordCharactersOpensAHeredocOnlyBefore25_8() {
    String sql = "SELECT $РАЗДЕЛИТЕЛЬ$VALUE$РАЗДЕЛИТЕЛЬ$";

    assertThat(tokens(sql, Dialect.FROM_21_9)).containsExactly("WORD SELECT", "STRING");
    assertThat(tokens(sql, Dialect.FROM_25_8)).first().isEqualTo("WORD SELECT");
    assertThat(tokens(sql, Dialect.FROM_25_8)).hasSizeGreaterThan(2);
    assertThat(ClickHouseLexer.disagreement(sql)).isEqualTo(7);
  }

  @Test
  void beforeHeredocsADollarIsALetterAndBefore20_10AnError() {
    String sql = "SELECT $a$ AS x, $a$";

    assertThat(tokens(sql, Dialect.FROM_20_10))
        .containsExactly("WORD SELECT", "WORD $a$", "WORD AS", "WORD x", "COMMA", "WORD $a$");
    assertThat(tokens(sql, Dialect.FROM_21_9)).containsExactly("WORD SELECT", "STRING");
    assertThat(tokens(sql, Dialect.UP_TO_20_9)).containsExactly("WORD SELECT", "FAILED");
    assertThat(ClickHouseLexer.disagreement(sql)).isEqualTo(7);
    // Without a second $a$, 21.9 reads a name as well.
    assertThat(tokens("SELECT $a$ AS x", Dialect.FROM_21_9))
        .containsExactly("WORD SELECT", "WORD $a$", "WORD AS", "WORD x");
    // A name with a dollar inside, or starting with one, reads alike from 20.10 on.
    assertThat(ClickHouseLexer.disagreement("SELECT 1 AS a$b, 2 AS $c")).isEqualTo(-1);
  }

  @Test
  void theHeredocOfTheAttackIsAStringOnlyFrom21_9To25_7() {
    String sql = "SELECT 1 AS $a, 2 AS b$ SETTINGS max_execution_time = 0 -- $a, 2 AS b$";

    assertThat(tokens(sql, Dialect.FROM_21_9))
        .containsExactly("WORD SELECT", "NUMBER 1", "WORD AS", "STRING");
    assertThat(tokens(sql, Dialect.FROM_25_8)).contains("WORD SETTINGS", "WORD max_execution_time");
    assertThat(ClickHouseLexer.disagreement(sql)).isEqualTo(12);
  }

  @Test
  void commentsNestFrom20_10AndAnUnclosedOneIsAnError() {
    assertThat(tokens("SELECT 1 /* /* */ AS x", Dialect.UP_TO_20_9))
        .containsExactly("WORD SELECT", "NUMBER 1", "WORD AS", "WORD x");
    assertThat(tokens("SELECT 1 /* /* */ AS x", Dialect.FROM_25_8))
        .containsExactly("WORD SELECT", "NUMBER 1", "FAILED");
    // Only one version accepts the text: no two readings to tell apart.
    assertThat(ClickHouseLexer.disagreement("SELECT 1 /* /* */ AS x")).isEqualTo(-1);
    assertThat(ClickHouseLexer.disagreement("SELECT 1 /* /* */ */ AS x")).isEqualTo(18);
  }

  @Test
  void hashCommentsNeedASpaceOrBangAndAreErrorsBefore20_10() {
    assertThat(tokens("SELECT 1 # c\n AS x", Dialect.FROM_21_9))
        .containsExactly("WORD SELECT", "NUMBER 1", "WORD AS", "WORD x");
    assertThat(tokens("SELECT 1 #! c\n AS x", Dialect.FROM_25_8))
        .containsExactly("WORD SELECT", "NUMBER 1", "WORD AS", "WORD x");
    assertThat(tokens("SELECT 1 #c", Dialect.FROM_25_8))
        .containsExactly("WORD SELECT", "NUMBER 1", "FAILED");
    assertThat(tokens("SELECT 1 # c", Dialect.UP_TO_20_9))
        .containsExactly("WORD SELECT", "NUMBER 1", "FAILED");
    assertThat(ClickHouseLexer.disagreement("SELECT 1 # c\n AS x")).isEqualTo(-1);
  }

  @Test
  void lineCommentsStartWithTwoDashesOrTwoSlashesInEveryVersion() {
    for (Dialect dialect : Dialect.values()) {
      assertThat(tokens("SELECT 1 -- c\n// d\nAS x", dialect))
          .containsExactly("WORD SELECT", "NUMBER 1", "WORD AS", "WORD x");
    }
  }

  @Test
  void typographicQuotesAreStringsAndNamesOnlyInNewerVersions() {
    String sql = "SELECT \u2018a\u2019 AS \u201Cb\u201D";

    assertThat(tokens(sql, Dialect.FROM_25_8))
        .containsExactly("WORD SELECT", "STRING", "WORD AS", "QUOTED b");
    assertThat(tokens(sql, Dialect.FROM_20_10)).containsExactly("WORD SELECT", "FAILED");
    assertThat(ClickHouseLexer.disagreement(sql)).isEqualTo(-1);
  }

  @Test
  void stringsAndNamesEscapeAndDoubleTheirQuoteAlikeInEveryVersion() {
    String sql = "SELECT 'a\\'b''c' AS `x``y`, \"p\\\"q\"";
    for (Dialect dialect : Dialect.values()) {
      assertThat(tokens(sql, dialect))
          .containsExactly(
              "WORD SELECT", "STRING", "WORD AS", "QUOTED x`y", "COMMA", "QUOTED p\"q");
    }
    assertThat(tokens("SELECT 'open", Dialect.FROM_25_8))
        .containsExactly("WORD SELECT", "STRING", "FAILED");
  }

  @Test
  void aLoneExclamationMarkIsAnErrorInEveryVersion() {
    for (Dialect dialect : Dialect.values()) {
      assertThat(tokens("SELECT 1 ! 2", dialect))
          .containsExactly("WORD SELECT", "NUMBER 1", "FAILED");
    }
  }

  /** The reading as words ({@code WORD SELECT}), ending in FAILED where the dialect fails. */
  private static List<String> tokens(String sql, Dialect dialect) {
    ClickHouseLexer lexer = new ClickHouseLexer(ClickHouseLexer.asSent(sql), dialect);
    List<String> tokens = new ArrayList<>();
    for (lexer.next(); !lexer.is(Type.END); lexer.next()) {
      Type type = lexer.is(Type.WORD) ? Type.WORD : null;
      for (Type candidate : Type.values()) {
        if (lexer.is(candidate)) {
          type = candidate;
        }
      }
      String text = lexer.text(lexer.start(), lexer.end());
      tokens.add(
          switch (type) {
            case WORD, NUMBER -> type + " " + text;
            case QUOTED -> type + " " + lexer.name();
            default -> type.name();
          });
    }
    if (lexer.failed()) {
      tokens.add("FAILED");
    }
    return tokens;
  }
}
