package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** ClickHouse's TSV escapes are undone, and a field without any is the same string. */
class TsvEscapesTest {

  @Test
  void undoesWhatTsvEscapes() {
    assertThat(TsvEscapes.unescape("a\\tb\\\\c\\'d\\ne\\0f\\rg")).isEqualTo("a\tb\\c'd\ne\0f\rg");
    assertThat(TsvEscapes.unescape("trailing\\")).isEqualTo("trailing\\");
  }

  @Test
  void aFieldWithoutEscapesIsKeptAsItIs() {
    String plain = "plain é";
    assertThat(TsvEscapes.unescape(plain)).isSameAs(plain);
  }
}
